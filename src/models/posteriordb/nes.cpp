// ARM's party-identification regression on five National Election Study years (posteriordb
// nes<year>-nes).

#include "models/posteriordb/linear_regression.hpp"
#include "models/posteriordb/posteriordb.hpp"

namespace hypatia::models::posteriordb {
namespace {

Model build_nes(const std::string& posterior) {
  const DataFile data = load_posterior_data(posterior);
  require_shapes(data, {{"partyid7", {"N"}},
                        {"real_ideo", {"N"}},
                        {"race_adj", {"N"}},
                        {"age_discrete", {"N"}},
                        {"educ1", {"N"}},
                        {"gender", {"N"}},
                        {"income", {"N"}}});
  const Column age = real_values(data, "age_discrete");
  return flat_prior_regression(
      {.response = real_values(data, "partyid7"),
       .predictors = {real_values(data, "real_ideo"), real_values(data, "race_adj"),
                      indicator(age, 2), indicator(age, 3), indicator(age, 4),
                      real_values(data, "educ1"), real_values(data, "gender"),
                      real_values(data, "income")}});
}

}  // namespace

std::vector<BundledModel> nes() {
  std::vector<BundledModel> posteriors;
  for (const char* year : {"1972", "1976", "1984", "1988", "1996"}) {
    const std::string name = std::string("nes") + year + "-nes";
    posteriors.push_back(
        {.name = name,
         .description = std::string("NES ") + year +
                        ": party identification ~ ideology, race, age, education, sex, income, "
                        "flat priors (10 params)",
         .build = [name] { return build_nes(name); }});
  }
  return posteriors;
}

}  // namespace hypatia::models::posteriordb
