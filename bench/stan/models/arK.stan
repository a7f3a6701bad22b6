// Autoregressive model of order K (posteriordb arK-arK).
data {
  int<lower=1> K;
  int<lower=K + 1> T;
  vector[T] y;
}
transformed data {
  // lags[t - K, k] = y[t - k]: the regression of y[K+1..T] on its K previous values
  matrix[T - K, K] lags;
  for (t in (K + 1):T)
    for (k in 1:K)
      lags[t - K, k] = y[t - k];
}
parameters {
  real alpha;
  vector[K] beta;
  real<lower=0> sigma;
}
model {
  alpha ~ normal(0, 10);
  beta ~ normal(0, 10);
  sigma ~ cauchy(0, 2.5);
  y[(K + 1):T] ~ normal(alpha + lags * beta, sigma);
}
