// ARM's mesquite-bush regressions (posteriordb mesquite-*): log leaf weight against log sizes.

#include "models/posteriordb/linear_regression.hpp"
#include "models/posteriordb/posteriordb.hpp"

namespace hypatia::models::posteriordb {
namespace {

struct Mesquite {
  Column weight, diam1, diam2, canopy_height, total_height, density, group;

  explicit Mesquite(const std::string& posterior) {
    const DataFile data = load_posterior_data(posterior);
    require_shapes(data, {{"weight", {"N"}},
                          {"diam1", {"N"}},
                          {"diam2", {"N"}},
                          {"canopy_height", {"N"}},
                          {"total_height", {"N"}},
                          {"density", {"N"}},
                          {"group", {"N"}}});
    weight = real_values(data, "weight");
    diam1 = real_values(data, "diam1");
    diam2 = real_values(data, "diam2");
    canopy_height = real_values(data, "canopy_height");
    total_height = real_values(data, "total_height");
    density = real_values(data, "density");
    group = real_values(data, "group");
  }
  Column canopy_area() const { return product(diam1, diam2); }
  Column canopy_volume() const { return product(canopy_area(), canopy_height); }
  Column canopy_shape() const { return quotient(diam1, diam2); }
};

BundledModel mesquite_posterior(const std::string& variant, const std::string& description,
                                std::vector<Column> (*predictors)(const Mesquite&)) {
  const std::string name = "mesquite-" + variant;
  return {.name = name, .description = description, .build = [name, predictors] {
            const Mesquite data(name);
            return flat_prior_regression(
                {.response = log_of(data.weight), .predictors = predictors(data)});
          }};
}

}  // namespace

std::vector<BundledModel> mesquite() {
  return {
      mesquite_posterior("logmesquite",
                         "log(weight) ~ 1 + log sizes + log(density) + group, flat priors "
                         "(8 params)",
                         [](const Mesquite& data) {
                           return std::vector<Column>{
                               log_of(data.diam1),         log_of(data.diam2),
                               log_of(data.canopy_height), log_of(data.total_height),
                               log_of(data.density),       data.group};
                         }),
      mesquite_posterior("logmesquite_logvas",
                         "log(weight) ~ 1 + log canopy volume, area, shape, height, density + "
                         "group, flat priors (8 params)",
                         [](const Mesquite& data) {
                           return std::vector<Column>{
                               log_of(data.canopy_volume()), log_of(data.canopy_area()),
                               log_of(data.canopy_shape()),  log_of(data.total_height),
                               log_of(data.density),         data.group};
                         }),
      mesquite_posterior("logmesquite_logvash",
                         "log(weight) ~ 1 + log canopy volume, area, shape, height + group, flat "
                         "priors (7 params)",
                         [](const Mesquite& data) {
                           return std::vector<Column>{
                               log_of(data.canopy_volume()), log_of(data.canopy_area()),
                               log_of(data.canopy_shape()), log_of(data.total_height), data.group};
                         }),
      mesquite_posterior(
          "logmesquite_logvolume", "log(weight) ~ 1 + log canopy volume, flat priors (3 params)",
          [](const Mesquite& data) { return std::vector<Column>{log_of(data.canopy_volume())}; }),
  };
}

}  // namespace hypatia::models::posteriordb
