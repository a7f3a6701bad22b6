#pragma once

// The posteriordb posteriors: one builder per model family (a family's posteriors share a model
// or a data set), and the helpers they share. Every posterior reads its data from
// <shared_data_dir()>/posteriordb/<posterior>/data.json when it is built (load_posterior_data in
// hypatia/data.hpp) and checks its sizes against each other first; the model descriptions are
// ../shared/posteriordb/MODELS.md.

#include <string>
#include <vector>

#include "hypatia/data.hpp"
#include "hypatia/models.hpp"

namespace hypatia::models::posteriordb {

// The posteriors of each family, named as in posteriordb ("earnings-logearn_height").
std::vector<BundledModel> accel_gp();
std::vector<BundledModel> ark();
std::vector<BundledModel> blr();
std::vector<BundledModel> diamonds();
std::vector<BundledModel> earnings();
std::vector<BundledModel> eight_schools();
std::vector<BundledModel> garch();
std::vector<BundledModel> gp_pois_regr();
std::vector<BundledModel> hmm();
std::vector<BundledModel> kidiq();
std::vector<BundledModel> lotka_volterra();
std::vector<BundledModel> low_dim_gauss_mix();
std::vector<BundledModel> mesquite();
std::vector<BundledModel> nes();

// All of the above.
std::vector<BundledModel> all_posteriors();

// A row-major (rows x columns) matrix as a float64 tensor.
Tensor matrix_tensor(const std::vector<double>& values, std::int64_t rows, std::int64_t columns);
Tensor vector_tensor(const std::vector<double>& values);

}  // namespace hypatia::models::posteriordb
