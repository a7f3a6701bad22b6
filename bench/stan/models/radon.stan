// Minnesota radon: varying intercepts and slopes by county, non-centred (bench-data radon_mn.json).
data {
  int<lower=1> N;
  int<lower=1> J;
  int<lower=1, upper=J> county_idx[N];
  vector[N] floor_measure;
  vector[N] log_radon;
}
parameters {
  real<lower=0> sigma_y;
  real<lower=0> sigma_alpha;
  real<lower=0> sigma_beta;
  real mu_alpha;
  real mu_beta;
  vector[J] alpha_raw;
  vector[J] beta_raw;
}
transformed parameters {
  vector[J] alpha = mu_alpha + sigma_alpha * alpha_raw;
  vector[J] beta = mu_beta + sigma_beta * beta_raw;
}
model {
  sigma_y ~ normal(0, 1);
  sigma_alpha ~ normal(0, 1);
  sigma_beta ~ normal(0, 1);
  mu_alpha ~ normal(0, 10);
  mu_beta ~ normal(0, 10);
  alpha_raw ~ normal(0, 1);
  beta_raw ~ normal(0, 1);
  log_radon ~ normal(alpha[county_idx] + floor_measure .* beta[county_idx], sigma_y);
}
