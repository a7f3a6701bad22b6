// Two-state Gaussian HMM marginalised by the forward algorithm (posteriordb hmm_example-hmm_example).
data {
  int<lower=1> N;
  int<lower=2, upper=2> K;
  vector[N] y;
}
parameters {
  simplex[K] theta1;  // transition probabilities out of state 1
  simplex[K] theta2;  // transition probabilities out of state 2
  positive_ordered[K] mu;
}
model {
  // log_transition[j, k] = log P(z_t = k | z_{t-1} = j)
  matrix[K, K] log_transition;
  vector[K] log_forward;
  log_transition[1] = log(theta1)';
  log_transition[2] = log(theta2)';
  mu[1] ~ normal(3, 1);
  mu[2] ~ normal(10, 1);
  for (k in 1:K)
    log_forward[k] = normal_lpdf(y[1] | mu[k], 1);
  for (t in 2:N) {
    vector[K] log_forward_next;
    for (k in 1:K)
      log_forward_next[k] = log_sum_exp(log_forward + log_transition[, k])
                            + normal_lpdf(y[t] | mu[k], 1);
    log_forward = log_forward_next;
  }
  target += log_sum_exp(log_forward);
}
