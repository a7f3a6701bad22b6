// The summary table as text, laid out like the DataFrame ArviZ's az.summary prints.

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "hypatia/diagnostics.hpp"

namespace hypatia::diagnostics {
namespace {

struct Column {
  std::string header;
  std::vector<std::string> cells;
};

std::string fixed(double value, int decimals) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  const double scale = std::pow(10.0, decimals);
  // Rounds away a negative sign that would only say "-0.00".
  if (std::round(value * scale) == 0) value = 0;
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

// "hdi_3%" for the 3% end: ArviZ's label, the percentage in %g form.
std::string hdi_label(double percent) {
  char text[32];
  std::snprintf(text, sizeof text, "hdi_%g%%", percent);
  return text;
}

std::vector<Column> columns(const SummaryTable& table) {
  const int decimals = table.options.decimals;
  const double tail_percent = 100 * (1 - table.options.hdi_probability) / 2;
  std::vector<Column> result = {{"mean", {}},
                                {"sd", {}},
                                {hdi_label(tail_percent), {}},
                                {hdi_label(100 - tail_percent), {}},
                                {"mcse_mean", {}},
                                {"mcse_sd", {}},
                                {"ess_bulk", {}},
                                {"ess_tail", {}},
                                {"r_hat", {}}};
  for (const SummaryRow& row : table.rows) {
    const std::string cells[] = {fixed(row.mean, decimals),      fixed(row.sd, decimals),
                                 fixed(row.hdi.lower, decimals), fixed(row.hdi.upper, decimals),
                                 fixed(row.mcse_mean, decimals), fixed(row.mcse_sd, decimals),
                                 fixed(row.ess_bulk, 0),         fixed(row.ess_tail, 0),
                                 fixed(row.r_hat, decimals)};
    for (std::size_t c = 0; c < result.size(); ++c) result[c].cells.push_back(cells[c]);
  }
  return result;
}

std::size_t width_of(const Column& column) {
  std::size_t width = column.header.size();
  for (const std::string& cell : column.cells) width = std::max(width, cell.size());
  return width;
}

std::string pad_left(const std::string& text, std::size_t width) {
  return std::string(width - std::min(width, text.size()), ' ') + text;
}

std::string pad_right(const std::string& text, std::size_t width) {
  return text + std::string(width - std::min(width, text.size()), ' ');
}

}  // namespace

void print_summary(std::ostream& out, const SummaryTable& table) {
  const std::vector<Column> all = columns(table);
  std::size_t name_width = 0;
  for (const SummaryRow& row : table.rows) name_width = std::max(name_width, row.name.size());

  out << std::string(name_width, ' ');
  for (const Column& column : all) out << "  " << pad_left(column.header, width_of(column));
  out << '\n';
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    out << pad_right(table.rows[r].name, name_width);
    for (const Column& column : all) out << "  " << pad_left(column.cells[r], width_of(column));
    out << '\n';
  }
  if (!table.warnings.empty()) out << '\n';
  for (const std::string& warning : table.warnings) out << "warning: " << warning << '\n';
}

std::string format_summary(const SummaryTable& table) {
  std::ostringstream out;
  print_summary(out, table);
  return out.str();
}

}  // namespace hypatia::diagnostics
