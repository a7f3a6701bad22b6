#include "models/registry.hpp"

#include <algorithm>
#include <cstdlib>

#include "hypatia/error.hpp"
#include "models/posteriordb/posteriordb.hpp"

namespace hypatia {
namespace {

std::vector<BundledModel> catalog() {
  std::vector<BundledModel> models = {models::eight_schools(), models::logreg(), models::radon()};
  for (BundledModel& posterior : models::posteriordb::all_posteriors()) {
    models.push_back(std::move(posterior));
  }
  std::sort(models.begin(), models.end(),
            [](const BundledModel& a, const BundledModel& b) { return a.name < b.name; });
  return models;
}

}  // namespace

const std::vector<BundledModel>& bundled_models() {
  static const std::vector<BundledModel> models = catalog();
  return models;
}

const BundledModel& find_bundled_model(const std::string& name) {
  for (const BundledModel& model : bundled_models()) {
    if (model.name == name) return model;
  }
  std::string available;
  for (const BundledModel& model : bundled_models()) available += "\n  " + model.name;
  throw Error("unknown model '" + name + "'; the bundled models are:" + available);
}

std::string shared_data_dir() {
  if (const char* configured = std::getenv("HYPATIA_SHARED_DIR")) return configured;
  return HYPATIA_SHARED_DIR;
}

}  // namespace hypatia
