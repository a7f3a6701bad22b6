#include "models/posteriordb/posteriordb.hpp"

namespace hypatia::models::posteriordb {

std::vector<BundledModel> all_posteriors() {
  std::vector<BundledModel> posteriors;
  for (auto family : {accel_gp, ark, blr, diamonds, earnings, eight_schools, garch, gp_pois_regr,
                      hmm, kidiq, lotka_volterra, low_dim_gauss_mix, mesquite, nes}) {
    for (BundledModel& posterior : family()) posteriors.push_back(std::move(posterior));
  }
  return posteriors;
}

Tensor matrix_tensor(const std::vector<double>& values, std::int64_t rows, std::int64_t columns) {
  return Tensor::from_doubles(values, {rows, columns});
}

Tensor vector_tensor(const std::vector<double>& values) {
  return Tensor::from_doubles(values, {static_cast<std::int64_t>(values.size())});
}

}  // namespace hypatia::models::posteriordb
