// ARM's child test-score regressions on the mother's schooling, IQ and work (posteriordb kidiq-*
// and kidiq_with_mom_work-*).

#include "models/posteriordb/linear_regression.hpp"
#include "models/posteriordb/posteriordb.hpp"

namespace hypatia::models::posteriordb {
namespace {

struct KidIq {
  Column kid_score, mom_hs, mom_iq, mom_work;

  explicit KidIq(const std::string& posterior) {
    const DataFile data = load_posterior_data(posterior);
    require_shapes(data, {{"kid_score", {"N"}}, {"mom_hs", {"N"}}, {"mom_iq", {"N"}}});
    if (data.contains("mom_work")) require_shapes(data, {{"mom_work", {"N"}}});
    kid_score = real_values(data, "kid_score");
    mom_hs = real_values(data, "mom_hs");
    mom_iq = real_values(data, "mom_iq");
    if (data.contains("mom_work")) mom_work = real_values(data, "mom_work");
  }
};

BundledModel kidiq_posterior(const std::string& name, const std::string& description,
                             LinearRegression (*regression)(const KidIq&)) {
  return {.name = name, .description = description, .build = [name, regression] {
            return flat_prior_regression(regression(KidIq(name)));
          }};
}

// kid_score on an interaction of two (transformed) predictors.
LinearRegression interaction(const KidIq& data, const Column& hs, const Column& iq,
                             ScalePrior scale_prior) {
  return {.response = data.kid_score,
          .predictors = {hs, iq, product(hs, iq)},
          .scale_prior = scale_prior};
}

}  // namespace

std::vector<BundledModel> kidiq() {
  return {
      kidiq_posterior("kidiq-kidscore_momhs",
                      "kid_score ~ 1 + mom_hs, sigma half-Cauchy (3 params)",
                      [](const KidIq& data) {
                        return LinearRegression{.response = data.kid_score,
                                                .predictors = {data.mom_hs},
                                                .scale_prior = ScalePrior::half_cauchy};
                      }),
      kidiq_posterior("kidiq-kidscore_momiq",
                      "kid_score ~ 1 + mom_iq, sigma half-Cauchy (3 params)",
                      [](const KidIq& data) {
                        return LinearRegression{.response = data.kid_score,
                                                .predictors = {data.mom_iq},
                                                .scale_prior = ScalePrior::half_cauchy};
                      }),
      kidiq_posterior("kidiq-kidscore_interaction",
                      "kid_score ~ 1 + mom_hs * mom_iq, sigma half-Cauchy (5 params)",
                      [](const KidIq& data) {
                        return interaction(data, data.mom_hs, data.mom_iq, ScalePrior::half_cauchy);
                      }),
      kidiq_posterior("kidiq_with_mom_work-kidscore_interaction_c",
                      "kid_score ~ 1 + centred mom_hs * mom_iq, flat priors (5 params)",
                      [](const KidIq& data) {
                        return interaction(data, centered(data.mom_hs), centered(data.mom_iq),
                                           ScalePrior::flat);
                      }),
      kidiq_posterior("kidiq_with_mom_work-kidscore_interaction_z",
                      "kid_score ~ 1 + standardized (2 sd) mom_hs * mom_iq, flat priors (5 params)",
                      [](const KidIq& data) {
                        return interaction(data, sample_sd_scaled(centered(data.mom_hs), 2),
                                           sample_sd_scaled(centered(data.mom_iq), 2),
                                           ScalePrior::flat);
                      }),
      kidiq_posterior("kidiq_with_mom_work-kidscore_mom_work",
                      "kid_score ~ 1 + mom_work indicators, flat priors (5 params)",
                      [](const KidIq& data) {
                        return LinearRegression{
                            .response = data.kid_score,
                            .predictors = {indicator(data.mom_work, 2), indicator(data.mom_work, 3),
                                           indicator(data.mom_work, 4)}};
                      }),
  };
}

}  // namespace hypatia::models::posteriordb
