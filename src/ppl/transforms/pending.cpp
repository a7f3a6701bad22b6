// TEMPORARY until the transforms branch lands.
#include "hypatia/error.hpp"
#include "hypatia/ppl/transform.hpp"

namespace hypatia {
TransformPtr simplex_transform() {
  throw Error("simplex transform pending");
}
TransformPtr ordered_transform() {
  throw Error("ordered transform pending");
}
TransformPtr positive_ordered_transform() {
  throw Error("positive_ordered transform pending");
}
TransformPtr corr_cholesky_transform() {
  throw Error("corr_cholesky transform pending");
}
TransformPtr cov_cholesky_transform() {
  throw Error("cov_cholesky transform pending");
}
TransformPtr zero_sum_transform(int) {
  throw Error("zero_sum transform pending");
}
}  // namespace hypatia
