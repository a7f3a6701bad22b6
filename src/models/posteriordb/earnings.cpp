// ARM's earnings regressions (posteriordb earnings-*): earnings against height and sex.

#include "models/posteriordb/linear_regression.hpp"
#include "models/posteriordb/posteriordb.hpp"

namespace hypatia::models::posteriordb {
namespace {

struct Earnings {
  Column earn, height, male;

  explicit Earnings(const std::string& posterior) {
    const DataFile data = load_posterior_data(posterior);
    require_shapes(data, {{"earn", {"N"}}, {"height", {"N"}}, {"male", {"N"}}});
    earn = real_values(data, "earn");
    height = real_values(data, "height");
    male = real_values(data, "male");
  }
};

BundledModel earnings_posterior(const std::string& variant, const std::string& description,
                                LinearRegression (*regression)(const Earnings&)) {
  const std::string name = "earnings-" + variant;
  return {.name = name, .description = description, .build = [name, regression] {
            return flat_prior_regression(regression(Earnings(name)));
          }};
}

}  // namespace

std::vector<BundledModel> earnings() {
  return {
      earnings_posterior("earn_height", "earn ~ 1 + height, flat priors (3 params)",
                         [](const Earnings& data) {
                           return LinearRegression{.response = data.earn,
                                                   .predictors = {data.height}};
                         }),
      earnings_posterior("logearn_height", "log(earn) ~ 1 + height, flat priors (3 params)",
                         [](const Earnings& data) {
                           return LinearRegression{.response = log_of(data.earn),
                                                   .predictors = {data.height}};
                         }),
      earnings_posterior("logearn_interaction",
                         "log(earn) ~ 1 + height + male + height:male, flat priors (5 params)",
                         [](const Earnings& data) {
                           return LinearRegression{.response = log_of(data.earn),
                                                   .predictors = {data.height, data.male,
                                                                  product(data.height, data.male)}};
                         }),
      earnings_posterior("logearn_logheight_male",
                         "log(earn) ~ 1 + log(height) + male, flat priors (4 params)",
                         [](const Earnings& data) {
                           return LinearRegression{.response = log_of(data.earn),
                                                   .predictors = {log_of(data.height), data.male}};
                         }),
  };
}

}  // namespace hypatia::models::posteriordb
