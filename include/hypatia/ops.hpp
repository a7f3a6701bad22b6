#pragma once

#include "hypatia/expr.hpp"
#include "hypatia/ops/elementwise.hpp"
#include "hypatia/ops/index.hpp"
#include "hypatia/ops/linalg.hpp"
#include "hypatia/ops/ode.hpp"
#include "hypatia/ops/random.hpp"
#include "hypatia/ops/reduce.hpp"
#include "hypatia/ops/scan.hpp"
#include "hypatia/ops/shape.hpp"
