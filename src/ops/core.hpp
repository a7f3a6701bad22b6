#pragma once

#include "hypatia/node.hpp"

namespace hypatia::ops {

const OpDef& input_op();
const OpDef& constant_op();
const OpDef& tuple_get_op();

}  // namespace hypatia::ops
