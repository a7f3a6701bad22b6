// The posteriordb posteriors: each builds with the parameter dimensions posteriordb lists
// (INDEX.json), exposes every reference parameter, and has a finite log density whose gradient
// matches finite differences and agrees across backends. Two log densities are checked against
// a hand computation from the data file, as they carry easily-missed Jacobian terms, the hidden
// Markov models against the forward algorithm in numpy (scripts/fixtures/posteriordb_hmm.py), and
// the ODE and approximate-GP models against scipy (scripts/fixtures/posteriordb_models.py).

#include <gtest/gtest.h>

#include <cctype>
#include <cmath>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <numbers>
#include <random>
#include <stdexcept>

#include "hypatia/io.hpp"
#include "hypatia/models.hpp"
#include "hypatia/validation.hpp"
#include "support/fixture_cases.hpp"

namespace hypatia {
namespace {

struct IndexEntry {
  std::int64_t num_parameters = 0;
  std::int64_t unconstrained_dim = 0;
  std::vector<std::string> parameter_names;
};

const std::map<std::string, IndexEntry>& posteriordb_index() {
  static const std::map<std::string, IndexEntry> index = [] {
    const std::string path = shared_data_dir() + "/posteriordb/INDEX.json";
    std::ifstream file(path);
    if (!file) {
      throw std::runtime_error("cannot open " + path +
                               "; set HYPATIA_SHARED_DIR to the directory holding posteriordb/");
    }
    const nlohmann::json json = nlohmann::json::parse(file);
    std::map<std::string, IndexEntry> entries;
    for (const auto& posterior : json["posteriors"]) {
      entries[posterior["name"].get<std::string>()] = {
          .num_parameters = posterior["num_parameters"].get<std::int64_t>(),
          .unconstrained_dim = posterior["unconstrained_dim"].get<std::int64_t>(),
          .parameter_names = posterior["parameter_names"].get<std::vector<std::string>>()};
    }
    return entries;
  }();
  return index;
}

std::vector<double> random_point(std::int64_t dim, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> uniform(-1, 1);
  std::vector<double> x(dim);
  for (double& value : x) value = uniform(rng);
  return x;
}

// "theta[3]" -> ("theta", 1 element index 2); names without brackets are scalars.
bool point_has_element(const Point& point, const std::string& name) {
  const auto bracket = name.find('[');
  const std::string variable = name.substr(0, bracket);
  const auto found = point.find(variable);
  if (found == point.end()) return false;
  const Shape& shape = found->second.shape();
  if (bracket == std::string::npos) return shape.empty();
  if (shape.size() != 1) return false;
  const std::int64_t index = std::stoll(name.substr(bracket + 1)) - 1;
  return index >= 0 && index < shape[0];
}

double logp_and_grad(const Model& model, Backend backend, const std::vector<double>& x,
                     std::vector<double>& grad) {
  auto compiled = model.compile({.backend = backend});
  grad.assign(x.size(), 0.0);
  return compiled->logp_grad(x.data(), grad.data());
}

// A GoogleTest-safe name for a parameterized case: every non-alphanumeric character as '_'.
std::string test_case_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = info.param;
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

class PosteriordbModel : public ::testing::TestWithParam<std::string> {};

TEST_P(PosteriordbModel, HasTheReferenceParametersAndAFiniteLogDensity) {
  const std::string& name = GetParam();
  const auto entry = posteriordb_index().find(name);
  ASSERT_NE(entry, posteriordb_index().end()) << name << " is not in INDEX.json";
  const Model model = find_bundled_model(name).build();
  ASSERT_EQ(model.layout().dim, entry->second.unconstrained_dim);

  const std::vector<double> x = random_point(model.layout().dim, 17);
  const Point point = model.constrain(x);
  ASSERT_EQ(static_cast<std::int64_t>(entry->second.parameter_names.size()),
            entry->second.num_parameters);
  for (const std::string& parameter : entry->second.parameter_names) {
    EXPECT_TRUE(point_has_element(point, parameter)) << parameter;
  }

  std::vector<double> interp_grad, native_grad;
  const double interp_logp = logp_and_grad(model, Backend::interp, x, interp_grad);
  const double native_logp = logp_and_grad(model, Backend::native, x, native_grad);
  ASSERT_TRUE(std::isfinite(interp_logp));
  EXPECT_NEAR(native_logp, interp_logp, 1e-9 * std::abs(interp_logp));

  auto compiled = model.compile({.backend = Backend::interp});
  std::vector<double> scratch(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) {
    ASSERT_TRUE(std::isfinite(interp_grad[i])) << i;
    EXPECT_NEAR(native_grad[i], interp_grad[i], 1e-8 * (1 + std::abs(interp_grad[i]))) << i;
    const double step = 1e-6 * (1 + std::abs(x[i]));
    std::vector<double> shifted = x;
    shifted[i] = x[i] + step;
    const double above = compiled->logp_grad(shifted.data(), scratch.data());
    shifted[i] = x[i] - step;
    const double below = compiled->logp_grad(shifted.data(), scratch.data());
    const double difference = (above - below) / (2 * step);
    // Truncation error of the difference, plus the rounding error of logp over the step.
    const double rounding = 100 * std::numeric_limits<double>::epsilon() * std::abs(interp_logp);
    EXPECT_NEAR(interp_grad[i], difference, 1e-5 * (1 + std::abs(difference)) + rounding / step)
        << "d logp / d x[" << i << "]";
  }
}

INSTANTIATE_TEST_SUITE_P(Posteriordb, PosteriordbModel,
                         ::testing::ValuesIn(posteriordb_model_names()), test_case_name);

TEST(PosteriordbCatalog, ListsTheImplementedPosteriors) {
  const std::vector<std::string> names = posteriordb_model_names();
  EXPECT_GE(names.size(), 26u);
  for (const std::string& name : names) {
    EXPECT_EQ(posteriordb_index().count(name), 1u) << name;
    const ReferencePosterior reference = load_reference_posterior(name);
    EXPECT_EQ(find_bundled_model(name).target_accept, std::max(0.8, reference.adapt_delta)) << name;
    EXPECT_LE(find_bundled_model(name).max_tree_depth, std::max(10, reference.max_tree_depth))
        << name;
  }
}

std::vector<double> data_values(const DataFile& data, const std::string& key) {
  return data.at(key).as_doubles();
}

double normal_logpdf(double y, double mean, double sd) {
  const double z = (y - mean) / sd;
  return -0.5 * z * z - std::log(sd) - 0.5 * std::log(2 * std::numbers::pi);
}

double interpreted_logp(const Model& model, const std::vector<double>& x) {
  std::vector<double> grad;
  return logp_and_grad(model, Backend::interp, x, grad);
}

// Flat priors on beta and on sigma itself (not log sigma): logp on the unconstrained scale is the
// likelihood plus log sigma, the Jacobian of sigma = exp(u).
TEST(PosteriordbLogDensity, FlatPriorRegressionEarnHeight) {
  const DataFile data =
      DataFile::load(shared_data_dir() + "/posteriordb/earnings-earn_height/data.json");
  const std::vector<double> earn = data_values(data, "earn");
  const std::vector<double> height = data_values(data, "height");
  const double intercept = -60000, slope = 1300, sigma = 19000;
  double expected = std::log(sigma);
  for (std::size_t n = 0; n < earn.size(); ++n) {
    expected += normal_logpdf(earn[n], intercept + slope * height[n], sigma);
  }
  const Model model = find_bundled_model("earnings-earn_height").build();
  EXPECT_NEAR(interpreted_logp(model, {intercept, slope, std::log(sigma)}), expected,
              1e-10 * std::abs(expected));
}

// Flat on mu, alpha0 > 0 and the triangle alpha1 + beta1 < 1: logp is the likelihood of the
// volatility recursion plus the Jacobians of alpha0 = exp(u), alpha1 = logistic(v) and
// beta1 = (1 - alpha1) logistic(w).
TEST(PosteriordbLogDensity, Garch11) {
  const DataFile data = DataFile::load(shared_data_dir() + "/posteriordb/garch-garch11/data.json");
  const std::vector<double> y = data_values(data, "y");
  const double mu = 5.0, u = std::log(0.4), v = -0.5, w = 0.7;
  const auto logistic = [](double t) { return 1 / (1 + std::exp(-t)); };
  const double alpha0 = std::exp(u), alpha1 = logistic(v), beta1 = (1 - alpha1) * logistic(w);
  double expected = u + std::log(alpha1 * (1 - alpha1)) +
                    std::log((1 - alpha1) * logistic(w) * (1 - logistic(w)));
  double sd = data.real("sigma1");
  for (std::size_t t = 0; t < y.size(); ++t) {
    if (t > 0) {
      sd = std::sqrt(alpha0 + alpha1 * (y[t - 1] - mu) * (y[t - 1] - mu) + beta1 * sd * sd);
    }
    expected += normal_logpdf(y[t], mu, sd);
  }
  const Model model = find_bundled_model("garch-garch11").build();
  const PointLayout layout = model.layout();
  std::vector<double> x(layout.dim);
  const std::map<std::string, double> values = {
      {"mu", mu}, {"alpha0", u}, {"alpha1", v}, {"beta1", w}};
  for (const FlatBlock& block : layout.blocks) x[block.offset] = values.at(block.name);
  EXPECT_NEAR(interpreted_logp(model, x), expected, 1e-10 * std::abs(expected));
}

// ---- Log densities from numpy and scipy ---------------------------------------------------------

// The model's free variables at the fixture's constrained values, on the unconstrained scale.
std::vector<double> fixture_point(const Model& model,
                                  const std::map<std::string, std::vector<double>>& fields) {
  Point point;
  for (const FlatBlock& block : model.layout().blocks) {
    point[block.name] = Tensor::from_doubles(fields.at(block.name), block.shape);
  }
  return model.unconstrain(point);
}

class PosteriordbHmm : public ::testing::TestWithParam<std::string> {};

// The marginal likelihood summed over state paths by scipy, and the joint density with the
// Dirichlet and normal priors and the simplex and positive_ordered Jacobians.
TEST_P(PosteriordbHmm, LogDensityMatchesTheForwardAlgorithmInNumpy) {
  const std::string& name = GetParam();
  const auto fields = testing::load_fixture_case("posteriordb_hmm.txt", name);
  const Model model = find_bundled_model(name.substr(0, name.find(':'))).build();
  const std::vector<double> x = fixture_point(model, fields);

  auto compiled = model.compile({.backend = Backend::interp});
  double log_prior = 0, log_likelihood = 0;
  ASSERT_TRUE(compiled->log_prior_likelihood(x.data(), &log_prior, &log_likelihood));
  const double expected_likelihood = fields.at("log_likelihood")[0];
  EXPECT_NEAR(log_likelihood, expected_likelihood, 1e-10 * std::abs(expected_likelihood));
  const double expected_logp = fields.at("logp")[0];
  EXPECT_NEAR(interpreted_logp(model, x), expected_logp, 1e-10 * std::abs(expected_logp));
}

INSTANTIATE_TEST_SUITE_P(Posteriordb, PosteriordbHmm,
                         ::testing::Values("hmm_example-hmm_example:near_mean",
                                           "hmm_example-hmm_example:away",
                                           "bball_drive_event_0-hmm_drive_0:near_mean",
                                           "bball_drive_event_0-hmm_drive_0:away"),
                         test_case_name);

// The log density at scripts/fixtures/posteriordb_models.py's point, on both backends.
void expect_fixture_log_density(const std::string& posterior, double tolerance) {
  const auto fields = testing::load_fixture_case("posteriordb_log_density.txt", posterior);
  const Model model = find_bundled_model(posterior).build();
  const std::vector<double> x = fixture_point(model, fields);
  std::vector<double> grad;
  EXPECT_NEAR(logp_and_grad(model, Backend::interp, x, grad), fields.at("logp")[0], tolerance);
  EXPECT_NEAR(logp_and_grad(model, Backend::native, x, grad), fields.at("logp")[0], tolerance);
}

// scipy solves the ODE to 1e-13, the model at rtol = atol = 1e-8: the log density moves by
// (log y - log z) / sigma^2 times the relative error of each z, a few 1e-7 in all. A wrong prior
// constant or Jacobian term would be off by far more.
TEST(PosteriordbLogDensity, LotkaVolterraOdeSolution) {
  expect_fixture_log_density("hudson_lynx_hare-lotka_volterra", 1e-5);
}

// Normal likelihood with a GP-driven log sd, half-Student-t and inverse-gamma hyperpriors and the
// squared-exponential spectral density at brms's basis frequencies.
TEST(PosteriordbLogDensity, AccelApproximateGps) {
  expect_fixture_log_density("mcycle_gp-accel_gp", 1e-11 * 2140);
}

// The latent GP through the gp module's exp_quad and a Cholesky factor, with a Poisson likelihood.
// The kernel matrix plus its 1e-10 jitter has a condition number near 3e9: the gp module's
// squared distances (|a|^2 + |b|^2 - 2ab, as PyMC) and the reference's (a - b)^2 differ in the
// last bits, which moves the log density by about 4e-8 in numpy alone. A wrong constant or
// Jacobian term would be off by far more than the 1e-6 allowed.
TEST(PosteriordbLogDensity, LatentGpPoissonRegression) {
  expect_fixture_log_density("gp_pois_regr-gp_pois_regr", 1e-6);
}

}  // namespace
}  // namespace hypatia
