#include "models/posteriordb/posteriordb.hpp"

#include "models/model_data.hpp"

namespace hypatia::models::posteriordb {

std::vector<BundledModel> all_posteriors() {
  std::vector<BundledModel> posteriors;
  for (auto family : {accel_gp, ark, blr, diamonds, earnings, eight_schools, garch, gp_pois_regr,
                      hmm, kidiq, lotka_volterra, low_dim_gauss_mix, mesquite, nes}) {
    for (BundledModel& posterior : family()) posteriors.push_back(std::move(posterior));
  }
  return posteriors;
}

DataFile load_posterior_data(const std::string& posterior) {
  return load_shared_data("posteriordb/" + posterior + "/data.json");
}

std::vector<double> real_values(const DataFile& data, const std::string& key) {
  return data.at(key).as_doubles();
}

Tensor matrix_tensor(const std::vector<double>& values, std::int64_t rows, std::int64_t columns) {
  return Tensor::from_doubles(values, {rows, columns});
}

Tensor vector_tensor(const std::vector<double>& values) {
  return Tensor::from_doubles(values, {static_cast<std::int64_t>(values.size())});
}

}  // namespace hypatia::models::posteriordb
