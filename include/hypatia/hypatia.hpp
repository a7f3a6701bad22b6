#pragma once

#include "hypatia/dtype.hpp"
#include "hypatia/error.hpp"
#include "hypatia/expr.hpp"
#include "hypatia/function.hpp"
#include "hypatia/grad.hpp"
#include "hypatia/graph.hpp"
#include "hypatia/interpreter.hpp"
#include "hypatia/logp_grad.hpp"
#include "hypatia/node.hpp"
#include "hypatia/ops.hpp"
#include "hypatia/shape.hpp"
#include "hypatia/tensor.hpp"
