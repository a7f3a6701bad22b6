#include "ppl/distributions/univariate.hpp"

#include "hypatia/error.hpp"

namespace hypatia {

Shape batch_shape(const std::vector<Expr>& parameters) {
  Shape shape;
  for (const Expr& parameter : parameters) {
    std::optional<Shape> joint = broadcast_static(shape, parameter.shape());
    if (!joint) {
      throw_shape_error("parameter shapes " + shape_to_string(shape) + " and " +
                        shape_to_string(parameter.shape()) + " do not broadcast");
    }
    shape = *joint;
  }
  return shape;
}

}  // namespace hypatia
