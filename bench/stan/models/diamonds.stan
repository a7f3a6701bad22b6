// Linear regression on 24 centred predictors (posteriordb diamonds-diamonds).
data {
  int<lower=1> N;
  vector[N] Y;
  int<lower=1> K;
  matrix[N, K] X;  // first column is the intercept
  int prior_only;
}
transformed data {
  int Kc = K - 1;
  matrix[N, Kc] Xc;
  for (i in 2:K)
    Xc[, i - 1] = X[, i] - mean(X[, i]);
}
parameters {
  vector[Kc] b;
  real Intercept;
  real<lower=0> sigma;
}
model {
  b ~ normal(0, 1);
  Intercept ~ student_t(3, 8, 10);
  sigma ~ student_t(3, 0, 10);
  if (!prior_only)
    Y ~ normal_id_glm(Xc, Intercept, b, sigma);
}
