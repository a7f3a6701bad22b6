// InferenceData as one NetCDF-4 file, laid out as ArviZ writes it: one NetCDF group per
// InferenceData group, each a self-contained xarray Dataset with its own dimensions, a coordinate
// variable per dimension, the data variables and the group's attributes.

#include <fcntl.h>
#include <netcdf.h>
#include <netcdf_mem.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "hypatia/error.hpp"
#include "hypatia/io.hpp"
#include "io/temporary_file.hpp"

namespace hypatia {
namespace {

// ArviZ's order of groups in a file; groups it does not know follow alphabetically.
const std::vector<std::string>& arviz_group_order() {
  static const std::vector<std::string> order = {"posterior",
                                                 "posterior_predictive",
                                                 "predictions",
                                                 "log_likelihood",
                                                 "sample_stats",
                                                 "prior",
                                                 "prior_predictive",
                                                 "sample_stats_prior",
                                                 "observed_data",
                                                 "constant_data",
                                                 "predictions_constant_data"};
  return order;
}

std::vector<std::string> ordered_group_names(const InferenceData& data) {
  std::vector<std::string> names;
  for (const std::string& name : arviz_group_order()) {
    if (data.groups.count(name)) names.push_back(name);
  }
  for (const auto& [name, group] : data.groups) {
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  }
  return names;
}

// UTC, as ArviZ stamps created_at: 2024-05-01T12:34:56.123456+00:00.
std::string iso_time_now() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  const auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count() %
      1000000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char date[32];
  std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &utc);
  char fraction[16];
  std::snprintf(fraction, sizeof fraction, ".%06lld+00:00", static_cast<long long>(micros));
  return std::string(date) + fraction;
}

// One NetCDF-4 file built in memory; every failing call becomes a hypatia::Error naming the file
// (by the name the user asked for, not the temporary) and what was being written. Written to
// disk only once complete, with plain write(2): HDF5 crashes inside H5Dwrite when a write to a
// full disk fails part way, before any error reaches us, whereas our own writes report ENOSPC.
class NetcdfFile {
 public:
  explicit NetcdfFile(std::string shown_name) : shown_name_(std::move(shown_name)) {
    check(nc_create_mem(shown_name_.c_str(), NC_NETCDF4, kInitialBytes, &id_),
          "cannot create the file in memory");
    open_ = true;
  }
  ~NetcdfFile() {
    if (open_) nc_abort(id_);
  }
  NetcdfFile(const NetcdfFile&) = delete;
  NetcdfFile& operator=(const NetcdfFile&) = delete;

  int id() const { return id_; }
  // Closes the file and writes its bytes to `destination`.
  void save(const std::filesystem::path& destination) {
    open_ = false;
    NC_memio image{};
    check(nc_close_memio(id_, &image), "closing the file");
    const std::unique_ptr<void, decltype(&std::free)> owned(image.memory, &std::free);
    write_bytes(destination, static_cast<const char*>(image.memory), image.size);
  }
  void check(int status, const std::string& what) const {
    if (status != NC_NOERR) {
      throw Error("writing NetCDF file '" + shown_name_ + "': " + what + ": " +
                  nc_strerror(status));
    }
  }

 private:
  static constexpr std::size_t kInitialBytes = 1 << 20;

  void write_bytes(const std::filesystem::path& destination, const char* bytes,
                   std::size_t size) const {
    const int fd = ::open(destination.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) fail("cannot create the file");
    std::size_t written = 0;
    while (written < size) {
      const ssize_t n = ::write(fd, bytes + written, size - written);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        const int error = n < 0 ? errno : ENOSPC;
        ::close(fd);
        errno = error;
        fail("cannot write the file");
      }
      written += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0 && errno != EINVAL) {
      const int error = errno;
      ::close(fd);
      errno = error;
      fail("cannot write the file");
    }
    if (::close(fd) != 0) fail("cannot write the file");
  }
  [[noreturn]] void fail(const std::string& what) const {
    throw Error("writing NetCDF file '" + shown_name_ + "': " + what + ": " + std::strerror(errno));
  }

  std::string shown_name_;
  int id_ = -1;
  bool open_ = false;
};

void put_text_attribute(const NetcdfFile& file, int location, const std::string& name,
                        const std::string& value, const std::string& where) {
  file.check(nc_put_att_text(location, NC_GLOBAL, name.c_str(), value.size(), value.data()),
             where + ": attribute '" + name + "'");
}

std::vector<long long> to_int64(const std::vector<double>& values) {
  return std::vector<long long>(values.begin(), values.end());
}

class GroupWriter {
 public:
  GroupWriter(const NetcdfFile& file, const InferenceData& data, const std::string& name,
              const std::string& created_at)
      : file_(file),
        data_(data),
        name_(name),
        where_("group '" + name + "'"),
        created_at_(created_at) {
    file_.check(nc_def_grp(file_.id(), name.c_str(), &group_id_), where_ + ": creating it");
  }

  void write() {
    const Group& group = data_.groups.at(name_);
    if (has_chain_and_draw(name_)) {
      define_dimension("chain", data_.chains);
      define_dimension("draw", data_.draws_in(name_));
    }
    for (const Variable& variable : group.variables) {
      const std::vector<std::string> dims = dimension_names(variable);
      for (std::size_t axis = 0; axis < dims.size(); ++axis) {
        define_dimension(dims[axis], variable.shape[axis]);
      }
    }
    for (const auto& [dim, length] : dimensions_) write_coordinate(dim, length);
    for (const Variable& variable : group.variables) write_variable(variable);
    write_attributes(group);
  }

 private:
  // Validation guarantees a dimension has one length throughout the group. A length of 0 is
  // NC_UNLIMITED to NetCDF, which xarray reads as an empty dimension all the same.
  void define_dimension(const std::string& dim, std::int64_t length) {
    if (dimension_ids_.count(dim)) return;
    int id = -1;
    file_.check(nc_def_dim(group_id_, dim.c_str(), static_cast<size_t>(length), &id),
                where_ + ": dimension '" + dim + "'");
    dimension_ids_[dim] = id;
    dimensions_.emplace_back(dim, length);
  }

  int define_variable(const std::string& variable, nc_type type,
                      const std::vector<std::string>& dims) {
    std::vector<int> ids;
    for (const std::string& dim : dims) ids.push_back(dimension_ids_.at(dim));
    int id = -1;
    file_.check(nc_def_var(group_id_, variable.c_str(), type, static_cast<int>(ids.size()),
                           ids.data(), &id),
                where_ + ": defining variable '" + variable + "'");
    return id;
  }

  // Labels from data.coords when given; otherwise 0..n-1, as ArviZ fills in default coords.
  void write_coordinate(const std::string& dim, std::int64_t length) {
    const std::string what = where_ + ": coordinate '" + dim + "'";
    auto coords = data_.coords.find(dim);
    if (coords == data_.coords.end()) {
      std::vector<long long> index(static_cast<std::size_t>(length));
      for (std::int64_t i = 0; i < length; ++i) index[i] = i;
      put_int64(define_variable(dim, NC_INT64, {dim}), index, what);
    } else if (const auto* labels = std::get_if<std::vector<std::string>>(&coords->second)) {
      std::vector<const char*> pointers;
      for (const std::string& label : *labels) pointers.push_back(label.c_str());
      const int id = define_variable(dim, NC_STRING, {dim});
      if (!pointers.empty()) file_.check(nc_put_var_string(group_id_, id, pointers.data()), what);
    } else if (const auto* reals = std::get_if<std::vector<double>>(&coords->second)) {
      put_double(define_variable(dim, NC_DOUBLE, {dim}), *reals, what);
    } else {
      const auto& integers = std::get<std::vector<std::int64_t>>(coords->second);
      put_int64(define_variable(dim, NC_INT64, {dim}),
                std::vector<long long>(integers.begin(), integers.end()), what);
    }
  }

  void write_variable(const Variable& variable) {
    std::vector<std::string> dims = dimension_names(variable);
    if (has_chain_and_draw(name_)) dims.insert(dims.begin(), {"chain", "draw"});
    const std::string what = where_ + ": variable '" + variable.name + "'";
    if (variable.is_boolean) {
      // xarray's encoding of bool (conventions.maybe_encode_bools): int8 values and the
      // attribute dtype = "bool", which open_dataset decodes back to a bool array.
      const int id = define_variable(variable.name, NC_BYTE, dims);
      const std::string bool_type = "bool";
      file_.check(nc_put_att_text(group_id_, id, "dtype", bool_type.size(), bool_type.data()),
                  what + ": attribute 'dtype'");
      const std::vector<signed char> flags(variable.values.begin(), variable.values.end());
      if (!flags.empty()) file_.check(nc_put_var_schar(group_id_, id, flags.data()), what);
    } else if (variable.is_integer) {
      put_int64(define_variable(variable.name, NC_INT64, dims), to_int64(variable.values), what);
    } else {
      put_double(define_variable(variable.name, NC_DOUBLE, dims), variable.values, what);
    }
  }

  void put_double(int id, const std::vector<double>& values, const std::string& what) {
    if (!values.empty()) file_.check(nc_put_var_double(group_id_, id, values.data()), what);
  }
  void put_int64(int id, const std::vector<long long>& values, const std::string& what) {
    if (!values.empty()) file_.check(nc_put_var_longlong(group_id_, id, values.data()), what);
  }

  // The group's own attributes come last so they may override the defaults.
  void write_attributes(const Group& group) {
    std::map<std::string, std::string> attributes = {
        {"created_at", created_at_},
        {"inference_library", "hypatia"},
        {"inference_library_version", HYPATIA_VERSION}};
    for (const auto& [key, value] : group.attributes) attributes[key] = value;
    for (const auto& [key, value] : attributes) {
      put_text_attribute(file_, group_id_, key, value, where_);
    }
  }

  const NetcdfFile& file_;
  const InferenceData& data_;
  std::string name_;
  std::string where_;
  std::string created_at_;
  int group_id_ = -1;
  std::map<std::string, int> dimension_ids_;
  std::vector<std::pair<std::string, std::int64_t>> dimensions_;  // in order of definition
};

}  // namespace

void write_netcdf(const InferenceData& data, const std::filesystem::path& path) {
  try {
    validate(data);
  } catch (const Error& error) {
    throw Error("writing NetCDF file '" + path.string() + "': " + error.what());
  }
  try {
    check_output_path(path, StreamTargets::refuse);
  } catch (const Error& error) {
    throw Error("writing NetCDF file '" + path.string() + "': " + error.what());
  }
  NetcdfFile file(path.string());
  for (const auto& [key, value] : data.attributes) {
    put_text_attribute(file, file.id(), key, value, "global attributes");
  }
  const std::string created_at = iso_time_now();
  for (const std::string& name : ordered_group_names(data)) {
    GroupWriter(file, data, name, created_at).write();
  }
  io::TemporaryFile temporary(path);
  file.save(temporary.path());
  temporary.commit();
}

}  // namespace hypatia
