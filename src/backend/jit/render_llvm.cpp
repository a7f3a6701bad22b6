#ifdef HYPATIA_HAVE_LLVM

#include "backend/jit/render_llvm.hpp"

#include <llvm/IR/Constants.h>
#include <llvm/IR/DerivedTypes.h>
#include <llvm/IR/Function.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/Module.h>

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <map>
#include <unordered_map>
#include <unordered_set>

#include "backend/jit/scalar_template.hpp"
#include "backend/native/arena_plan.hpp"
#include "hypatia/error.hpp"
#include "hypatia_runtime.h"

namespace hypatia::jit {
namespace {

using native::Buffer;
using native::BufferId;
using native::Index;
using native::LibraryCall;
using native::Loop;
using native::LoopNest;
using native::Program;
using native::Scalar;
using native::ScalarNode;
using native::Statement;
using native::Step;

// As render_cpp.cpp: small constants become part of the code, larger ones are passed by pointer.
constexpr std::int64_t kInlineConstantLimit = 16;
constexpr std::int64_t kArenaAlignment = 64;

// What the functions of one module share (see render_cpp.cpp's Unit).
struct Unit {
  llvm::Module& module;
  const llvm::Module& scalars;
  llvm::LLVMContext& context;
  RenderedModule result;
  int bodies = 0;
  int chunk_functions = 0;
  std::unordered_map<std::string, TemplateTree> templates;

  // The scalar library's function `name`, declared in the module (linked in afterwards), or null
  // when the library has none.
  llvm::Function* declared(const std::string& name) {
    const llvm::Function* definition = scalars.getFunction(name);
    if (definition == nullptr) return nullptr;
    return llvm::cast<llvm::Function>(
        module.getOrInsertFunction(name, definition->getFunctionType()).getCallee());
  }

  // The same, required.
  llvm::Function* scalar_function(const std::string& name, const std::string& needed_by) {
    llvm::Function* function = declared(name);
    if (function == nullptr) {
      throw Error("jit backend: " + needed_by + " needs '" + name +
                  "', which the JIT's scalar library lacks (tools/jit_scalar_wrappers.cpp lists "
                  "the functions templates outside the elementwise table call)");
    }
    return function;
  }

  // The lane form of the scalar library's wrapper `wrapper` (see lanes_wrapper_name), or null.
  llvm::Function* lanes_function(const std::string& wrapper) {
    return declared(lanes_wrapper_name(wrapper));
  }

  const TemplateTree& parsed(const std::string& text) {
    auto it = templates.find(text);
    if (it == templates.end()) it = templates.emplace(text, parse_template(text)).first;
    return it->second;
  }
};

class Renderer {
 public:
  Renderer(const Program& program, Unit& unit)
      : program_(program), unit_(unit), context_(unit.context), b_(unit.context) {}

  // The function computing the program, with the entry point's parameters (status 0, or k for
  // the k-th error message).
  llvm::Function* render_function(const std::string& name, bool exported) {
    llvm::Type* pointer = b_.getPtrTy();
    auto* type =
        llvm::FunctionType::get(b_.getInt32Ty(), {pointer, pointer, pointer, pointer}, false);
    function_ = llvm::Function::Create(
        type, exported ? llvm::GlobalValue::ExternalLinkage : llvm::GlobalValue::InternalLinkage,
        name, unit_.module);
    plan_arena();
    b_.SetInsertPoint(llvm::BasicBlock::Create(context_, "entry", function_));
    inputs_ = function_->getArg(0);
    outputs_ = function_->getArg(1);
    constants_ = function_->getArg(2);
    arena_ = function_->getArg(3);
    declare_buffers();
    for (const Step& step : program_.steps) render_step(step);
    b_.CreateRet(b_.getInt32(0));
    return function_;
  }

 private:
  // ---- Buffers ----------------------------------------------------------------------------

  void plan_arena() {
    std::int64_t& arena_bytes = unit_.result.arena_bytes;
    native::ArenaPlan plan = native::plan_arena(program_, arena_bytes, kArenaAlignment);
    offsets_ = std::move(plan.offsets);
    arena_bytes = plan.end;
    partial_offsets_ = native::plan_chunk_partials(program_, arena_bytes, kArenaAlignment);
  }

  llvm::Type* element_type(DType dtype) {
    switch (dtype) {
      case DType::float64:
        return b_.getDoubleTy();
      case DType::float32:
        return b_.getFloatTy();
      case DType::int64:
        return b_.getInt64Ty();
      case DType::boolean:
        return b_.getInt8Ty();
    }
    return b_.getDoubleTy();
  }

  llvm::Value* load_pointer(llvm::Value* array, std::int64_t position) {
    llvm::Value* slot = b_.CreateConstInBoundsGEP1_64(b_.getPtrTy(), array, position);
    return b_.CreateLoad(b_.getPtrTy(), slot);
  }

  llvm::Constant* constant_array(const Tensor& value) {
    const std::int64_t n = value.size();
    std::vector<llvm::Constant*> elements;
    llvm::Type* type = element_type(value.dtype());
    for (std::int64_t i = 0; i < n; ++i) {
      switch (value.dtype()) {
        case DType::int64:
          elements.push_back(
              b_.getInt64(static_cast<std::uint64_t>(value.data<std::int64_t>()[i])));
          break;
        case DType::boolean:
          elements.push_back(b_.getInt8(value.at(i) != 0.0 ? 1 : 0));
          break;
        case DType::float32:
          elements.push_back(llvm::ConstantFP::get(type, static_cast<float>(value.at(i))));
          break;
        case DType::float64:
          elements.push_back(llvm::ConstantFP::get(type, value.at(i)));
          break;
      }
    }
    if (elements.empty()) elements.push_back(llvm::Constant::getNullValue(type));
    auto* array_type = llvm::ArrayType::get(type, elements.size());
    return llvm::ConstantArray::get(array_type, elements);
  }

  void declare_buffers() {
    buffers_.assign(program_.buffers.size(), nullptr);
    // Large constants: numbered after those of every body this function renders (render_cpp
    // declares a function's buffers after its steps), so their slots are read lazily, below.
    for (std::size_t id = 0; id < program_.buffers.size(); ++id) {
      const Buffer& buffer = program_.buffers[id];
      switch (buffer.role) {
        case Buffer::Role::input:
          buffers_[id] = load_pointer(inputs_, buffer.position);
          break;
        case Buffer::Role::output:
          buffers_[id] = load_pointer(outputs_, buffer.position);
          break;
        case Buffer::Role::constant:
          if (buffer.size() <= kInlineConstantLimit) {
            llvm::Constant* initial = constant_array(buffer.value);
            buffers_[id] =
                new llvm::GlobalVariable(unit_.module, initial->getType(), true,
                                         llvm::GlobalValue::PrivateLinkage, initial, "constant");
          } else {
            large_constant_ids_.push_back(static_cast<BufferId>(id));
          }
          break;
        case Buffer::Role::temporary:
          if (buffer.alias_of >= 0) {
            aliases_.push_back(static_cast<BufferId>(id));
          } else {
            buffers_[id] = b_.CreateConstInBoundsGEP1_64(b_.getInt8Ty(), arena_, offsets_.at(id));
          }
          break;
      }
    }
    // The large constants' slots: bodies rendered by this function's steps take theirs first, so
    // the slot loads are placed in the entry block once the steps are rendered (see
    // finish_large_constants); until then a placeholder load stands in.
    for (BufferId id : large_constant_ids_) {
      buffers_[static_cast<std::size_t>(id)] =
          b_.CreateLoad(b_.getPtrTy(), llvm::ConstantPointerNull::get(b_.getPtrTy()), "pending");
      pending_loads_.push_back(llvm::cast<llvm::LoadInst>(buffers_[static_cast<std::size_t>(id)]));
    }
    for (BufferId id : aliases_) {
      buffers_[static_cast<std::size_t>(id)] = buffers_.at(
          static_cast<std::size_t>(program_.buffers[static_cast<std::size_t>(id)].alias_of));
    }
  }

 public:
  // Numbers this function's large constants (after its bodies') and points the placeholder loads
  // at their slots in `constants`.
  void finish_large_constants() {
    for (std::size_t k = 0; k < large_constant_ids_.size(); ++k) {
      const Buffer& buffer = program_.buffers[static_cast<std::size_t>(large_constant_ids_[k])];
      const std::int64_t slot = static_cast<std::int64_t>(unit_.result.large_constants.size());
      unit_.result.large_constants.push_back(buffer.value);
      llvm::LoadInst* load = pending_loads_[k];
      llvm::IRBuilder<> at(load);
      load->setOperand(0, at.CreateConstInBoundsGEP1_64(at.getPtrTy(), constants_, slot));
    }
  }

 private:
  // ---- Scalars ----------------------------------------------------------------------------

  static bool is_unsigned_byte(llvm::Type* type) { return type->isIntegerTy(8); }

  // `value` (an i1, u8, i64, float or double) as a value of dtype `to`, by the reference
  // kernels' rules (render_cpp's convert): round to float32, truncate to int64 (NaN and
  // out-of-range defined), test != 0 for bool.
  llvm::Value* convert(llvm::Value* value, DType to) {
    llvm::Type* from = value->getType()->getScalarType();
    const bool from_int = from->isIntegerTy();
    const bool from_unsigned = from->isIntegerTy(1) || from->isIntegerTy(8);
    switch (to) {
      case DType::float64:
      case DType::float32: {
        llvm::Type* target = element_type(to);
        if (from == target) return value;
        target = shaped_like(target, value);
        if (from_int) {
          return from_unsigned ? b_.CreateUIToFP(value, target) : b_.CreateSIToFP(value, target);
        }
        return to == DType::float64 ? b_.CreateFPExt(value, target)
                                    : b_.CreateFPTrunc(value, target);
      }
      case DType::int64: {
        if (from->isIntegerTy(64)) return value;
        if (from_int) return b_.CreateZExt(value, shaped_like(b_.getInt64Ty(), value));
        if (from->isFloatTy()) value = b_.CreateFPExt(value, shaped_like(b_.getDoubleTy(), value));
        return call_per_lane(unit_.scalar_function("hr_jit_to_int64", "a conversion to int64"),
                             {value});
      }
      case DType::boolean: {
        if (is_unsigned_byte(from)) return value;
        llvm::Type* type = value->getType();
        llvm::Value* nonzero = from_int ? b_.CreateICmpNE(value, llvm::ConstantInt::get(type, 0))
                                        : b_.CreateFCmpUNE(value, llvm::ConstantFP::get(type, 0.0));
        return b_.CreateZExt(nonzero, shaped_like(b_.getInt8Ty(), value));
      }
    }
    return value;
  }

  // `element` as the type of `like`'s lanes: a vector of as many when `like` is a vector.
  static llvm::Type* shaped_like(llvm::Type* element, llvm::Value* like) {
    if (auto* vector = llvm::dyn_cast<llvm::VectorType>(like->getType())) {
      return llvm::VectorType::get(element, vector->getElementCount());
    }
    return element;
  }

  // In a lane block (render_lanes), a value the same in every lane as a vector of it.
  llvm::Value* in_lanes(llvm::Value* value) {
    if (!in_lane_block_ || value->getType()->isVectorTy()) return value;
    return b_.CreateVectorSplat(HR_SUM_LANES, value);
  }

  // A call of a scalar function; with vector arguments, its lane form where the scalar library
  // has one, else one call per lane (the same function on each lane's values, so the same bits as
  // the scalar code either way).
  llvm::Value* call_per_lane(llvm::Function* callee, const std::vector<llvm::Value*>& args) {
    const bool lanes = std::any_of(args.begin(), args.end(),
                                   [](llvm::Value* arg) { return arg->getType()->isVectorTy(); });
    if (!lanes) return b_.CreateCall(callee, args);
    if (llvm::Function* lanes_form = unit_.lanes_function(callee->getName().str())) {
      return call_lanes_form(lanes_form, args);
    }
    llvm::Value* result =
        llvm::PoisonValue::get(llvm::FixedVectorType::get(callee->getReturnType(), HR_SUM_LANES));
    for (int lane = 0; lane < HR_SUM_LANES; ++lane) {
      std::vector<llvm::Value*> lane_args;
      for (llvm::Value* arg : args) {
        lane_args.push_back(arg->getType()->isVectorTy() ? b_.CreateExtractElement(arg, lane)
                                                         : arg);
      }
      result = b_.CreateInsertElement(result, b_.CreateCall(callee, lane_args), lane);
    }
    return result;
  }

  // A lane form's call: each argument's lanes and the result through stack slots (promoted to
  // registers once the form is inlined).
  llvm::Value* call_lanes_form(llvm::Function* lanes_form, const std::vector<llvm::Value*>& args) {
    auto* lanes_type = llvm::FixedVectorType::get(b_.getDoubleTy(), HR_SUM_LANES);
    auto slot = [&]() { return entry_alloca(lanes_type, "lanes_argument"); };
    llvm::AllocaInst* result = slot();
    std::vector<llvm::Value*> pointers{result};
    for (llvm::Value* arg : args) {
      llvm::AllocaInst* argument = slot();
      b_.CreateStore(in_lanes(arg), argument);
      pointers.push_back(argument);
    }
    b_.CreateCall(lanes_form, pointers);
    return b_.CreateLoad(lanes_type, result);
  }

  // C++'s conversion of an operand to a parameter of type `type` (double or int64).
  llvm::Value* to_type(llvm::Value* value, llvm::Type* type) {
    if (value->getType()->getScalarType() == type) return value;
    if (type->isDoubleTy()) return convert(value, DType::float64);
    if (type->isIntegerTy(64)) {
      if (value->getType()->isIntOrIntVectorTy()) {
        return b_.CreateZExt(value, shaped_like(type, value));
      }
      throw Error("jit backend: a scalar template passes a floating value as an integer");
    }
    if (type->isIntegerTy(1)) return to_bool(value);
    throw Error("jit backend: a scalar template calls a function with an unsupported parameter");
  }

  llvm::Value* to_bool(llvm::Value* value) {
    llvm::Type* type = value->getType();
    if (type->isIntOrIntVectorTy(1)) return value;
    if (type->isIntOrIntVectorTy()) return b_.CreateICmpNE(value, llvm::ConstantInt::get(type, 0));
    return b_.CreateFCmpUNE(value, llvm::ConstantFP::get(type, 0.0));
  }

  // The usual arithmetic conversions of two operands: double if either is, else int64.
  std::pair<llvm::Value*, llvm::Value*> common(llvm::Value* a, llvm::Value* b) {
    if (a->getType()->isFPOrFPVectorTy() || b->getType()->isFPOrFPVectorTy()) {
      return {convert(a, DType::float64), convert(b, DType::float64)};
    }
    return {to_type(a, b_.getInt64Ty()), to_type(b, b_.getInt64Ty())};
  }

  llvm::Value* evaluate(const TemplateTree& tree, const std::vector<llvm::Value*>& args,
                        bool integral, const std::string& function) {
    using Kind = TemplateExpr::Kind;
    switch (tree->kind) {
      case Kind::operand:
        return args.at(static_cast<std::size_t>(tree->operand));
      case Kind::number:
        if (tree->integer_literal) {
          return in_lanes(b_.getInt64(
              static_cast<std::uint64_t>(std::strtoll(tree->text.c_str(), nullptr, 10))));
        }
        return in_lanes(
            llvm::ConstantFP::get(b_.getDoubleTy(), std::strtod(tree->text.c_str(), nullptr)));
      case Kind::unary: {
        llvm::Value* x = evaluate(tree->args[0], args, integral, function);
        if (tree->text == "!") return b_.CreateNot(to_bool(x));
        if (x->getType()->isFPOrFPVectorTy()) return b_.CreateFNeg(x);
        llvm::Value* integer = to_type(x, b_.getInt64Ty());
        return b_.CreateSub(llvm::Constant::getNullValue(integer->getType()), integer);
      }
      case Kind::binary: {
        llvm::Value* left = evaluate(tree->args[0], args, integral, function);
        llvm::Value* right = evaluate(tree->args[1], args, integral, function);
        const std::string& op = tree->text;
        if (op == "&" || op == "|") {
          if (left->getType()->isIntOrIntVectorTy(1) && right->getType()->isIntOrIntVectorTy(1)) {
            return op == "&" ? b_.CreateAnd(left, right) : b_.CreateOr(left, right);
          }
          if (left->getType()->isFPOrFPVectorTy() || right->getType()->isFPOrFPVectorTy()) {
            throw Error("jit backend: '" + function + "' applies '" + op + "' to floating values");
          }
          auto [a, c] = common(left, right);
          return op == "&" ? b_.CreateAnd(a, c) : b_.CreateOr(a, c);
        }
        auto [a, c] = common(left, right);
        const bool floating = a->getType()->isFPOrFPVectorTy();
        if (op == "+") return floating ? b_.CreateFAdd(a, c) : b_.CreateAdd(a, c);
        if (op == "-") return floating ? b_.CreateFSub(a, c) : b_.CreateSub(a, c);
        if (op == "*") return floating ? b_.CreateFMul(a, c) : b_.CreateMul(a, c);
        if (op == "/") return floating ? b_.CreateFDiv(a, c) : b_.CreateSDiv(a, c);
        if (op == "==") return floating ? b_.CreateFCmpOEQ(a, c) : b_.CreateICmpEQ(a, c);
        if (op == "!=") return floating ? b_.CreateFCmpUNE(a, c) : b_.CreateICmpNE(a, c);
        if (op == "<") return floating ? b_.CreateFCmpOLT(a, c) : b_.CreateICmpSLT(a, c);
        if (op == "<=") return floating ? b_.CreateFCmpOLE(a, c) : b_.CreateICmpSLE(a, c);
        if (op == ">") return floating ? b_.CreateFCmpOGT(a, c) : b_.CreateICmpSGT(a, c);
        if (op == ">=") return floating ? b_.CreateFCmpOGE(a, c) : b_.CreateICmpSGE(a, c);
        throw Error("jit backend: unknown operator '" + op + "' in '" + function + "'");
      }
      case Kind::call: {
        llvm::Function* callee = unit_.scalar_function(
            wrapper_name(tree->text, integral ? 'i' : 'd'), "scalar function '" + function + "'");
        llvm::FunctionType* type = callee->getFunctionType();
        if (type->getNumParams() != tree->args.size()) {
          throw Error("jit backend: '" + function + "' calls " + tree->text + " with " +
                      std::to_string(tree->args.size()) + " arguments; its wrapper takes " +
                      std::to_string(type->getNumParams()));
        }
        std::vector<llvm::Value*> values;
        for (std::size_t k = 0; k < tree->args.size(); ++k) {
          values.push_back(
              to_type(evaluate(tree->args[k], args, integral, function), type->getParamType(k)));
        }
        return call_per_lane(callee, values);
      }
    }
    return nullptr;
  }

  llvm::Value* index(const Index& index) {
    llvm::Value* position = linear_position(index);
    if (index.indirect) {
      llvm::Value* indirect = convert(scalar(index.indirect), DType::int64);
      position = b_.CreateAdd(
          position,
          b_.CreateMul(b_.getInt64(static_cast<std::uint64_t>(index.indirect_stride)), indirect));
    }
    return position;
  }

  // The index without its indirect term.
  llvm::Value* linear_position(const Index& index) {
    llvm::Value* position = b_.getInt64(static_cast<std::uint64_t>(index.offset));
    for (const auto& [variable, stride] : index.terms) {
      position =
          b_.CreateAdd(position, b_.CreateMul(b_.getInt64(static_cast<std::uint64_t>(stride)),
                                              variables_.at(static_cast<std::size_t>(variable))));
    }
    return position;
  }

  llvm::Value* element(BufferId buffer, llvm::Value* base, llvm::Value* position) {
    return b_.CreateInBoundsGEP(element_type(program_.buffers.at(buffer).dtype), base, position);
  }

  // A node's value: each node of a statement is computed once (render_cpp computes each node
  // read more than once into a local: the same operations in the same order).
  // In a lane block, a node that differs between lanes is a vector of its lanes' values; the
  // others are computed once, as scalars.
  llvm::Value* scalar(const Scalar& node) {
    if (auto it = values_.find(node.get()); it != values_.end()) return it->second;
    if (in_lane_block_ && !varies_between_lanes(node)) {
      in_lane_block_ = false;
      llvm::Value* value = scalar(node);
      in_lane_block_ = true;
      return value;
    }
    llvm::Value* value = nullptr;
    switch (node->kind) {
      case ScalarNode::Kind::literal:
        value = literal(node->literal, node->dtype);
        break;
      case ScalarNode::Kind::load: {
        if (auto hoisted = hoisted_.find(node.get()); hoisted != hoisted_.end()) {
          value = hoisted->second;
          break;
        }
        if (in_lane_block_) {
          value = lanes_load(*node);
          break;
        }
        const BufferId buffer = node->buffer;
        llvm::Value* place =
            element(buffer, buffers_.at(static_cast<std::size_t>(buffer)), index(node->index));
        value = convert(b_.CreateLoad(element_type(program_.buffers.at(buffer).dtype), place),
                        node->dtype);
        break;
      }
      case ScalarNode::Kind::loop_variable:
        value = variables_.at(static_cast<std::size_t>(node->variable));
        if (in_lane_block_) value = b_.CreateAdd(in_lanes(value), lane_numbers());
        break;
      case ScalarNode::Kind::apply:
        value = apply(*node);
        break;
    }
    values_[node.get()] = value;
    return value;
  }

  // Whether `node`'s value depends on the lane block's variable (render_lanes).
  bool varies_between_lanes(const Scalar& node) {
    if (auto it = varies_.find(node.get()); it != varies_.end()) return it->second;
    bool varies = false;
    switch (node->kind) {
      case ScalarNode::Kind::literal:
        break;
      case ScalarNode::Kind::load:
        for (const auto& [variable, stride] : node->index.terms) {
          varies = varies || (variable == lane_variable_ && stride != 0);
        }
        varies = varies || (node->index.indirect && varies_between_lanes(node->index.indirect));
        break;
      case ScalarNode::Kind::loop_variable:
        varies = node->variable == lane_variable_;
        break;
      case ScalarNode::Kind::apply:
        for (const Scalar& arg : node->args) varies = varies || varies_between_lanes(arg);
        break;
    }
    varies_[node.get()] = varies;
    return varies;
  }

  // <0, 1, ..., HR_SUM_LANES - 1>: each lane's offset from the block's first iteration.
  llvm::Constant* lane_numbers() {
    std::vector<llvm::Constant*> numbers;
    for (int lane = 0; lane < HR_SUM_LANES; ++lane) numbers.push_back(b_.getInt64(lane));
    return llvm::ConstantVector::get(numbers);
  }

  // A load in a lane block: one vector load where the lanes read consecutive elements, else a
  // gather (each lane's element at its own position).
  llvm::Value* lanes_load(const ScalarNode& node) {
    const Index& index = node.index;
    llvm::Type* type = element_type(program_.buffers.at(node.buffer).dtype);
    llvm::Type* vector_type = llvm::FixedVectorType::get(type, HR_SUM_LANES);
    const llvm::Align alignment = unit_.module.getDataLayout().getABITypeAlign(type);
    llvm::Value* base = buffers_.at(static_cast<std::size_t>(node.buffer));
    std::int64_t lane_stride = 0;
    for (const auto& [variable, stride] : index.terms) {
      if (variable == lane_variable_) lane_stride += stride;
    }
    // The block's first iteration's position (variables_ holds the block's start).
    llvm::Value* first = linear_position(index);
    llvm::Value* loaded = nullptr;
    if (!index.indirect && lane_stride == 1) {
      loaded = b_.CreateAlignedLoad(vector_type, element(node.buffer, base, first), alignment);
    } else {
      llvm::Value* positions =
          b_.CreateAdd(in_lanes(first),
                       b_.CreateMul(in_lanes(b_.getInt64(static_cast<std::uint64_t>(lane_stride))),
                                    lane_numbers()));
      if (index.indirect) {
        llvm::Value* indirect = in_lanes(convert(scalar(index.indirect), DType::int64));
        positions = b_.CreateAdd(
            positions,
            b_.CreateMul(in_lanes(b_.getInt64(static_cast<std::uint64_t>(index.indirect_stride))),
                         indirect));
      }
      loaded = b_.CreateMaskedGather(vector_type, b_.CreateInBoundsGEP(type, base, positions),
                                     alignment);
    }
    return convert(loaded, node.dtype);
  }

  llvm::Value* literal(double value, DType dtype) {
    switch (dtype) {
      case DType::float64:
        return llvm::ConstantFP::get(b_.getDoubleTy(), value);
      case DType::float32:
        return llvm::ConstantFP::get(b_.getFloatTy(), static_cast<float>(value));
      case DType::int64:
        return b_.getInt64(static_cast<std::uint64_t>(hr_to_int64(value)));
      case DType::boolean:
        return b_.getInt8(value != 0.0 ? 1 : 0);
    }
    return nullptr;
  }

  llvm::Value* apply(const ScalarNode& node) {
    bool integral = !node.cpp_int_template.empty() && !is_floating(node.dtype);
    for (const Scalar& arg : node.args) integral = integral && is_integral(arg->dtype);
    const DType computed = integral ? DType::int64 : DType::float64;
    if (!integral && node.cpp_template.empty()) {
      throw Error("jit backend: scalar function '" + node.function + "' has no C++ form");
    }
    std::vector<llvm::Value*> args;
    for (const Scalar& arg : node.args) args.push_back(in_lanes(convert(scalar(arg), computed)));
    const TemplateTree& tree = unit_.parsed(integral ? node.cpp_int_template : node.cpp_template);
    return convert(evaluate(tree, args, integral, node.function), node.dtype);
  }

  // ---- Statements and loops ------------------------------------------------------------

  // An alloca in the current function's entry block (where SROA turns it into registers).
  llvm::AllocaInst* entry_alloca(llvm::Type* type, const char* name) {
    llvm::Function* function = b_.GetInsertBlock()->getParent();
    llvm::IRBuilder<> entry(&function->getEntryBlock(), function->getEntryBlock().begin());
    return entry.CreateAlloca(type, nullptr, name);
  }

  // for (i = begin; condition(i); i += step) body(i); returns i's phi (its value after the loop).
  llvm::PHINode* emit_loop(llvm::Value* begin,
                           const std::function<llvm::Value*(llvm::Value*)>& condition,
                           std::int64_t step, const std::function<void(llvm::Value*)>& body) {
    llvm::Function* function = b_.GetInsertBlock()->getParent();
    llvm::BasicBlock* before = b_.GetInsertBlock();
    llvm::BasicBlock* header = llvm::BasicBlock::Create(context_, "loop", function);
    llvm::BasicBlock* inside = llvm::BasicBlock::Create(context_, "body", function);
    llvm::BasicBlock* after = llvm::BasicBlock::Create(context_, "after", function);
    b_.CreateBr(header);
    b_.SetInsertPoint(header);
    llvm::PHINode* i = b_.CreatePHI(b_.getInt64Ty(), 2);
    i->addIncoming(begin, before);
    b_.CreateCondBr(condition(i), inside, after);
    b_.SetInsertPoint(inside);
    body(i);
    i->addIncoming(b_.CreateAdd(i, b_.getInt64(static_cast<std::uint64_t>(step)), "", true, true),
                   b_.GetInsertBlock());
    b_.CreateBr(header);
    b_.SetInsertPoint(after);
    return i;
  }

  void emit_range(llvm::Value* begin, llvm::Value* end,
                  const std::function<void(llvm::Value*)>& body) {
    emit_loop(
        begin, [&](llvm::Value* i) { return b_.CreateICmpSLT(i, end); }, 1, body);
  }

  // place op= value in the target's type, as render_cpp's assignment.
  void update(llvm::Type* type, llvm::Value* place, llvm::Value* value, Statement::Update how) {
    if (how == Statement::Update::assign) {
      b_.CreateStore(value, place);
      return;
    }
    llvm::Value* old = b_.CreateLoad(type, place);
    const bool floating = type->isFloatingPointTy();
    llvm::Value* result = nullptr;
    switch (how) {
      case Statement::Update::add:
        result = floating ? b_.CreateFAdd(old, value) : b_.CreateAdd(old, value);
        break;
      case Statement::Update::multiply:
        result = floating ? b_.CreateFMul(old, value) : b_.CreateMul(old, value);
        break;
      case Statement::Update::maximum:
      case Statement::Update::minimum: {
        // hr_max(a, b): a if a is NaN, else b if b is NaN, else a < b ? b : a; hr_min keeps a
        // unless b < a.
        const bool maximum = how == Statement::Update::maximum;
        llvm::Value* takes_b = nullptr;
        if (floating) {
          takes_b = maximum ? b_.CreateFCmpOLT(old, value) : b_.CreateFCmpOLT(value, old);
          result = b_.CreateSelect(takes_b, value, old);
          result = b_.CreateSelect(b_.CreateFCmpUNO(value, value), value, result);
          result = b_.CreateSelect(b_.CreateFCmpUNO(old, old), old, result);
        } else {
          const bool unsigned_type = type->isIntegerTy(8);
          llvm::Value* less_old_value =
              unsigned_type ? b_.CreateICmpULT(old, value) : b_.CreateICmpSLT(old, value);
          llvm::Value* less_value_old =
              unsigned_type ? b_.CreateICmpULT(value, old) : b_.CreateICmpSLT(value, old);
          result = b_.CreateSelect(maximum ? less_old_value : less_value_old, value, old);
        }
        break;
      }
      case Statement::Update::assign:
        break;
    }
    b_.CreateStore(result, place);
  }

  void render_statement(const Statement& statement, llvm::Value* lane_place = nullptr) {
    values_.clear();
    const Buffer& target = program_.buffers.at(statement.buffer);
    llvm::Value* value = convert(scalar(statement.value), target.dtype);
    llvm::Value* place = lane_place;
    if (place == nullptr) {
      place = element(statement.buffer, target_base(statement), index(statement.index));
    }
    update(element_type(target.dtype), place, value, statement.update);
    values_.clear();
  }

  llvm::Value* target_base(const Statement& statement) {
    if (chunk_partials_ != nullptr) {
      const std::size_t s = static_cast<std::size_t>(&statement - current_body_);
      if (chunk_partials_->at(s) != nullptr) return chunk_partials_->at(s);
    }
    return buffers_.at(static_cast<std::size_t>(statement.buffer));
  }

  // ---- Values the same in every iteration ------------------------------------------------

  // The buffer whose storage `id` is (itself, or what it is a view of).
  BufferId storage_of(BufferId id) const {
    while (program_.buffers.at(static_cast<std::size_t>(id)).alias_of >= 0) {
      id = program_.buffers[static_cast<std::size_t>(id)].alias_of;
    }
    return id;
  }

  // Bytes of the arena holding temporary `id` and what views it: [offset, offset + bytes).
  std::pair<std::int64_t, std::int64_t> arena_range(BufferId id) const {
    const BufferId storage = storage_of(id);
    const std::int64_t begin = offsets_.at(static_cast<std::size_t>(storage));
    std::int64_t bytes = 1;
    for (const Buffer& buffer : {program_.buffers.at(static_cast<std::size_t>(id)),
                                 program_.buffers.at(static_cast<std::size_t>(storage))}) {
      bytes = std::max(bytes, buffer.size() * static_cast<std::int64_t>(dtype_size(buffer.dtype)));
    }
    return {begin, begin + bytes};
  }

  // Whether writing `written` may change an element of `read`. Temporaries overlap only where
  // the arena plan put them in the same bytes; the arena is this function's own (a body's
  // temporaries lie past its caller's), so it shares nothing with inputs, outputs or constants;
  // constants are never written; inputs and outputs may be the same memory.
  bool may_overlap(BufferId read, BufferId written) const {
    const BufferId a = storage_of(read), b = storage_of(written);
    if (a == b) return true;
    const Buffer::Role role_a = program_.buffers.at(static_cast<std::size_t>(a)).role;
    const Buffer::Role role_b = program_.buffers.at(static_cast<std::size_t>(b)).role;
    if (role_a == Buffer::Role::constant || role_b == Buffer::Role::constant) return false;
    const bool temporary_a = role_a == Buffer::Role::temporary;
    const bool temporary_b = role_b == Buffer::Role::temporary;
    if (temporary_a != temporary_b) return false;
    if (!temporary_a) return true;
    if (offsets_.at(static_cast<std::size_t>(a)) < 0 ||
        offsets_.at(static_cast<std::size_t>(b)) < 0)
      return true;
    const auto [begin_a, end_a] = arena_range(read);
    const auto [begin_b, end_b] = arena_range(written);
    return begin_a < end_b && begin_b < end_a;
  }

  // A nest's loads of one fixed element (no loop variable, no indirect term) of a buffer none of
  // its statements writes are read once, before its loops. Every temporary is an offset of one
  // arena pointer, so LLVM cannot tell that the nest's stores leave such an element alone: it
  // would reload it every iteration, and its loop vectorizer gives up on the loop.
  void hoist_fixed_loads(const LoopNest& nest) {
    hoisted_.clear();
    // A nest that may not run would then read what it never reads (a buffer may be empty).
    for (std::int64_t extent : nest.extents) {
      if (extent <= 0) return;
    }
    std::unordered_set<const ScalarNode*> seen;
    std::function<void(const Scalar&)> visit = [&](const Scalar& node) {
      if (!seen.insert(node.get()).second) return;
      if (node->index.indirect) visit(node->index.indirect);
      for (const Scalar& arg : node->args) visit(arg);
      if (node->kind != ScalarNode::Kind::load || !node->index.terms.empty() ||
          node->index.indirect) {
        return;
      }
      for (const Statement& statement : nest.body) {
        if (may_overlap(node->buffer, statement.buffer)) return;
      }
      const Buffer& buffer = program_.buffers.at(static_cast<std::size_t>(node->buffer));
      llvm::Value* place =
          element(node->buffer, buffers_.at(static_cast<std::size_t>(node->buffer)),
                  b_.getInt64(static_cast<std::uint64_t>(node->index.offset)));
      hoisted_[node.get()] = convert(b_.CreateLoad(element_type(buffer.dtype), place), node->dtype);
    };
    for (const Statement& statement : nest.body) visit(statement.value);
  }

  // The nest's loops around its statements, the outermost over [first, last).
  void render_loops(const LoopNest& nest, llvm::Value* first, llvm::Value* last) {
    current_body_ = nest.body.data();
    hoist_fixed_loads(nest);
    const std::size_t depth = nest.extents.size();
    variables_.assign(depth, nullptr);
    const bool lanes = sums_in_lanes(nest, program_);
    const std::size_t plain_loops = lanes ? depth - 1 : depth;
    std::function<void(std::size_t)> level = [&](std::size_t k) {
      if (k == plain_loops) {
        if (lanes) {
          render_lanes(nest, k == 0 ? first : b_.getInt64(0),
                       k == 0 ? last : b_.getInt64(static_cast<std::uint64_t>(nest.extents[k])));
        } else {
          for (const Statement& statement : nest.body) render_statement(statement);
        }
        return;
      }
      emit_range(k == 0 ? first : b_.getInt64(0),
                 k == 0 ? last : b_.getInt64(static_cast<std::uint64_t>(nest.extents[k])),
                 [&](llvm::Value* i) {
                   variables_[k] = i;
                   level(k + 1);
                 });
    };
    level(0);
    hoisted_.clear();
  }

  // The innermost loop over [first, last) summing in lanes (render_cpp's render_lanes): statement
  // s adds iteration first + j into lane j % HR_SUM_LANES of its own lanes, whole blocks of lanes
  // first, then the rest; each target then adds its lanes' total in hr_sum_lanes's tree. A block
  // computes its lanes as vectors (the lanes are independent, each lane's operations those of the
  // scalar code: the same bits), like the `omp simd` loop g++ vectorizes.
  void render_lanes(const LoopNest& nest, llvm::Value* first, llvm::Value* last) {
    const std::size_t variable = nest.extents.size() - 1;
    llvm::Type* lanes_type = llvm::ArrayType::get(b_.getDoubleTy(), HR_SUM_LANES);
    llvm::Type* vector_type = llvm::FixedVectorType::get(b_.getDoubleTy(), HR_SUM_LANES);
    std::vector<llvm::AllocaInst*> lanes, tails;
    for (std::size_t s = 0; s < nest.body.size(); ++s) {
      // Only ever accessed whole, as a vector, so that it lives in registers.
      lanes.push_back(entry_alloca(vector_type, "lanes"));
      tails.push_back(entry_alloca(lanes_type, "tail"));
      b_.CreateStore(llvm::Constant::getNullValue(vector_type), lanes[s]);
    }
    varies_.clear();
    lane_variable_ = static_cast<int>(variable);
    llvm::PHINode* block = emit_loop(
        first,
        [&](llvm::Value* i) {
          return b_.CreateICmpSLE(b_.CreateAdd(i, b_.getInt64(HR_SUM_LANES)), last);
        },
        HR_SUM_LANES,
        [&](llvm::Value* i) {
          variables_[variable] = i;
          in_lane_block_ = true;
          for (std::size_t s = 0; s < nest.body.size(); ++s) {
            values_.clear();
            llvm::Value* value = in_lanes(convert(scalar(nest.body[s].value), DType::float64));
            llvm::Value* sum = b_.CreateLoad(vector_type, lanes[s]);
            b_.CreateStore(b_.CreateFAdd(sum, value), lanes[s]);
          }
          in_lane_block_ = false;
          values_.clear();
        });
    lane_variable_ = -1;
    varies_.clear();
    // The rest run with a lane index only known at run time, on a copy of the lanes.
    for (std::size_t s = 0; s < nest.body.size(); ++s) {
      b_.CreateAlignedStore(b_.CreateLoad(vector_type, lanes[s]), tails[s],
                            unit_.module.getDataLayout().getABITypeAlign(b_.getDoubleTy()));
    }
    emit_loop(
        b_.getInt64(0),
        [&](llvm::Value* lane) { return b_.CreateICmpSLT(b_.CreateAdd(block, lane), last); }, 1,
        [&](llvm::Value* lane) {
          variables_[variable] = b_.CreateAdd(block, lane);
          for (std::size_t s = 0; s < nest.body.size(); ++s) {
            render_statement(nest.body[s],
                             b_.CreateInBoundsGEP(lanes_type, tails[s], {b_.getInt64(0), lane}));
          }
        });
    for (std::size_t s = 0; s < nest.body.size(); ++s) {
      std::vector<llvm::Value*> lane_values;
      for (int lane = 0; lane < HR_SUM_LANES; ++lane) {
        lane_values.push_back(b_.CreateLoad(
            b_.getDoubleTy(), b_.CreateConstInBoundsGEP2_64(lanes_type, tails[s], 0, lane)));
      }
      static_assert(HR_SUM_LANES == 8, "the tree below is hr_sum_lanes's for 8 lanes");
      auto& l = lane_values;
      llvm::Value* total =
          b_.CreateFAdd(b_.CreateFAdd(b_.CreateFAdd(l[0], l[1]), b_.CreateFAdd(l[2], l[3])),
                        b_.CreateFAdd(b_.CreateFAdd(l[4], l[5]), b_.CreateFAdd(l[6], l[7])));
      const Statement& statement = nest.body[s];
      values_.clear();
      llvm::Value* place =
          element(statement.buffer, target_base(statement), index(statement.index));
      update(b_.getDoubleTy(), place, total, Statement::Update::add);
    }
  }

  // The nest's outermost loop as chunks of HR_CHUNK_ROWS iterations, run by
  // hr_parallel_for_chunks; statements adding into a target no row owns add into the chunk's
  // partial instead, and the partials are added to the target in chunk order afterwards
  // (render_cpp's render_chunked).
  void render_chunked(const LoopNest& nest) {
    ChunkBody body = open_chunks(nest.extents[0]);
    render_nest_chunk(nest, body);
    close_chunks(body);
    add_partials(nest);
  }

  // A group's steps run chunk by chunk (RowChunks): one task per chunk runs each step's part for
  // its rows, then the steps' partials are added, step by step, in chunk order.
  void render_row_chunks(const native::RowChunks& group) {
    ChunkBody body = open_chunks(group.rows);
    for (const native::ChunkedStep& step : group.steps) {
      if (const auto* nest = std::get_if<LoopNest>(&step)) {
        render_nest_chunk(*nest, body);
      } else {
        render_call_chunk(std::get<LibraryCall>(step), body);
      }
    }
    close_chunks(body);
    for (const native::ChunkedStep& step : group.steps) {
      if (const auto* nest = std::get_if<LoopNest>(&step)) {
        add_partials(*nest);
      } else {
        const LibraryCall& call = std::get<LibraryCall>(step);
        b_.CreateCall(chunked_function(call.function + "_finish", false),
                      {call_buffers(call), call_ints(call)});
      }
    }
  }

  // The work of one chunk as a function of its own, (chunk, context) -> void, the context being
  // this function's buffer pointers and arena; while it is open, buffers_ and arena_ are the
  // chunk function's loads of them.
  struct ChunkBody {
    std::int64_t rows = 0;
    llvm::Function* function = nullptr;
    llvm::Value* context = nullptr;
    llvm::Value* chunk = nullptr;
    llvm::Value* begin = nullptr;
    llvm::Value* end = nullptr;
    llvm::IRBuilderBase::InsertPoint resume;
    std::vector<llvm::Value*> outer_buffers;
    llvm::Value* outer_arena = nullptr;
  };

  ChunkBody open_chunks(std::int64_t rows) {
    llvm::PointerType* pointer = b_.getPtrTy();
    llvm::Type* context_type = llvm::ArrayType::get(pointer, buffers_.size() + 1);
    ChunkBody body;
    body.rows = rows;
    llvm::AllocaInst* context = entry_alloca(context_type, "chunk_context");
    for (std::size_t id = 0; id < buffers_.size(); ++id) {
      b_.CreateStore(buffers_[id] ? buffers_[id] : llvm::ConstantPointerNull::get(pointer),
                     b_.CreateConstInBoundsGEP2_64(context_type, context, 0, id));
    }
    b_.CreateStore(arena_,
                   b_.CreateConstInBoundsGEP2_64(context_type, context, 0, buffers_.size()));
    body.context = context;
    auto* chunk_type = llvm::FunctionType::get(b_.getVoidTy(), {b_.getInt64Ty(), pointer}, false);
    body.function =
        llvm::Function::Create(chunk_type, llvm::GlobalValue::InternalLinkage,
                               "chunk" + std::to_string(unit_.chunk_functions++), unit_.module);
    body.resume = b_.saveIP();
    body.outer_buffers = buffers_;
    body.outer_arena = arena_;
    b_.SetInsertPoint(llvm::BasicBlock::Create(context_, "entry", body.function));
    body.chunk = body.function->getArg(0);
    llvm::Value* captured = body.function->getArg(1);
    for (std::size_t id = 0; id < buffers_.size(); ++id) {
      buffers_[id] =
          b_.CreateLoad(pointer, b_.CreateConstInBoundsGEP2_64(context_type, captured, 0, id));
    }
    arena_ = b_.CreateLoad(
        pointer, b_.CreateConstInBoundsGEP2_64(context_type, captured, 0, buffers_.size()));
    body.begin = b_.CreateMul(body.chunk, b_.getInt64(HR_CHUNK_ROWS));
    llvm::Value* next = b_.CreateAdd(body.begin, b_.getInt64(HR_CHUNK_ROWS));
    llvm::Value* all = b_.getInt64(static_cast<std::uint64_t>(rows));
    body.end = b_.CreateSelect(b_.CreateICmpSLT(next, all), next, all);
    return body;
  }

  // Ends the chunk function and runs it for every chunk.
  void close_chunks(ChunkBody& body) {
    b_.CreateRetVoid();
    buffers_ = std::move(body.outer_buffers);
    arena_ = body.outer_arena;
    b_.restoreIP(body.resume);
    llvm::Type* pointer = b_.getPtrTy();
    llvm::FunctionCallee run = unit_.module.getOrInsertFunction(
        "hr_parallel_for_chunks",
        llvm::FunctionType::get(b_.getVoidTy(), {b_.getInt64Ty(), pointer, pointer}, false));
    b_.CreateCall(run, {b_.getInt64(static_cast<std::uint64_t>(hr_chunk_count(body.rows))),
                        body.function, body.context});
  }

  // One chunk of a nest: its partials zeroed, its loops over the chunk's rows.
  void render_nest_chunk(const LoopNest& nest, const ChunkBody& body) {
    const std::vector<std::int64_t>& partials = partial_offsets_.at(&nest);
    std::vector<llvm::Value*> partial_bases(nest.body.size(), nullptr);
    for (std::size_t s = 0; s < nest.body.size(); ++s) {
      if (partials[s] < 0) continue;
      const Buffer& target = program_.buffers.at(nest.body[s].buffer);
      llvm::Type* type = element_type(target.dtype);
      llvm::Value* base = b_.CreateConstInBoundsGEP1_64(b_.getInt8Ty(), arena_, partials[s]);
      partial_bases[s] = b_.CreateInBoundsGEP(
          type, base,
          b_.CreateMul(body.chunk, b_.getInt64(static_cast<std::uint64_t>(target.size()))));
      emit_range(b_.getInt64(0), b_.getInt64(static_cast<std::uint64_t>(target.size())),
                 [&](llvm::Value* j) {
                   b_.CreateStore(literal(0.0, target.dtype),
                                  b_.CreateInBoundsGEP(type, partial_bases[s], j));
                 });
    }
    chunk_partials_ = &partial_bases;
    render_loops(nest, body.begin, body.end);
    chunk_partials_ = nullptr;
  }

  // Each chunk's partial added to the nest's targets, in chunk order.
  void add_partials(const LoopNest& nest) {
    const std::vector<std::int64_t>& partials = partial_offsets_.at(&nest);
    const std::int64_t chunks = hr_chunk_count(nest.extents[0]);
    for (std::size_t s = 0; s < nest.body.size(); ++s) {
      if (partials[s] < 0) continue;
      const BufferId buffer = nest.body[s].buffer;
      const Buffer& target = program_.buffers.at(buffer);
      llvm::Type* type = element_type(target.dtype);
      llvm::Value* base = b_.CreateConstInBoundsGEP1_64(b_.getInt8Ty(), arena_, partials[s]);
      emit_range(
          b_.getInt64(0), b_.getInt64(static_cast<std::uint64_t>(chunks)), [&](llvm::Value* chunk) {
            llvm::Value* partial = b_.CreateInBoundsGEP(
                type, base,
                b_.CreateMul(chunk, b_.getInt64(static_cast<std::uint64_t>(target.size()))));
            emit_range(
                b_.getInt64(0), b_.getInt64(static_cast<std::uint64_t>(target.size())),
                [&](llvm::Value* j) {
                  llvm::Value* value = b_.CreateLoad(type, b_.CreateInBoundsGEP(type, partial, j));
                  update(type, element(buffer, buffers_.at(static_cast<std::size_t>(buffer)), j),
                         value, Statement::Update::add);
                });
          });
    }
  }

  // One chunk of a library call with a chunked form (see hypatia_linalg.h).
  void render_call_chunk(const LibraryCall& call, const ChunkBody& body) {
    b_.CreateCall(chunked_function(call.function + "_chunk", true),
                  {call_buffers(call), call_ints(call), body.chunk});
  }

  // `name`(buffers, ints[, chunk]) -> void: a chunked library function's part.
  llvm::FunctionCallee chunked_function(const std::string& name, bool takes_chunk) {
    std::vector<llvm::Type*> parameters = {b_.getPtrTy(), b_.getPtrTy()};
    if (takes_chunk) parameters.push_back(b_.getInt64Ty());
    return unit_.module.getOrInsertFunction(
        name, llvm::FunctionType::get(b_.getVoidTy(), parameters, false));
  }

  // ---- Steps --------------------------------------------------------------------------------

  void return_if_nonzero(llvm::Value* status, llvm::Value* returned) {
    llvm::BasicBlock* failed = llvm::BasicBlock::Create(context_, "failed", function_);
    llvm::BasicBlock* ok = llvm::BasicBlock::Create(context_, "ok", function_);
    b_.CreateCondBr(b_.CreateICmpNE(status, b_.getInt32(0)), failed, ok);
    b_.SetInsertPoint(failed);
    b_.CreateRet(returned);
    b_.SetInsertPoint(ok);
  }

  void render_step(const Step& step) {
    if (const auto* nest = std::get_if<LoopNest>(&step)) {
      if (runs_in_chunks(*nest)) {
        render_chunked(*nest);
        return;
      }
      render_loops(
          *nest, b_.getInt64(0),
          b_.getInt64(nest->extents.empty() ? 1 : static_cast<std::uint64_t>(nest->extents[0])));
    } else if (const auto* call = std::get_if<LibraryCall>(&step)) {
      render_call(*call);
    } else if (const auto* check = std::get_if<native::IndexCheck>(&step)) {
      unit_.result.error_messages.push_back(check->message);
      const std::int32_t code = static_cast<std::int32_t>(unit_.result.error_messages.size());
      const Buffer& indices = program_.buffers.at(check->indices);
      llvm::Value* in_range =
          b_.CreateCall(unit_.scalar_function("hr_jit_indices_in_range", "an index check"),
                        {buffers_.at(static_cast<std::size_t>(check->indices)),
                         b_.getInt64(static_cast<std::uint64_t>(indices.size())),
                         b_.getInt64(static_cast<std::uint64_t>(check->size))});
      return_if_nonzero(b_.CreateZExt(b_.CreateNot(in_range), b_.getInt32Ty()), b_.getInt32(code));
    } else if (const auto* group = std::get_if<native::RowChunks>(&step)) {
      render_row_chunks(*group);
    } else {
      render_loop(std::get<Loop>(step));
    }
  }

  // A private constant array global.
  llvm::Constant* constant_global(llvm::Constant* initial, const char* name) {
    return new llvm::GlobalVariable(unit_.module, initial->getType(), true,
                                    llvm::GlobalValue::PrivateLinkage, initial, name);
  }

  // An array of pointers on the stack, filled with `pointers` (null entries allowed); at least
  // one slot, as render_cpp's arrays.
  llvm::Value* pointer_array(const std::vector<llvm::Value*>& pointers, const char* name) {
    llvm::Type* type =
        llvm::ArrayType::get(b_.getPtrTy(), std::max<std::size_t>(pointers.size(), 1));
    llvm::AllocaInst* array = entry_alloca(type, name);
    if (pointers.empty()) {
      b_.CreateStore(llvm::ConstantPointerNull::get(b_.getPtrTy()),
                     b_.CreateConstInBoundsGEP2_64(type, array, 0, 0));
    }
    for (std::size_t i = 0; i < pointers.size(); ++i) {
      b_.CreateStore(pointers[i] ? pointers[i] : llvm::ConstantPointerNull::get(b_.getPtrTy()),
                     b_.CreateConstInBoundsGEP2_64(type, array, 0, i));
    }
    return array;
  }

  // A library call's buffer pointers (an array on the stack) and its integer arguments (a
  // constant array), as render_cpp's render_call_operands.
  llvm::Value* call_buffers(const LibraryCall& call) {
    std::vector<llvm::Value*> pointers;
    for (BufferId id : call.buffers) pointers.push_back(buffers_.at(static_cast<std::size_t>(id)));
    return pointer_array(pointers, "buffers");
  }

  llvm::Constant* call_ints(const LibraryCall& call) {
    std::vector<llvm::Constant*> ints;
    for (std::int64_t value : call.ints)
      ints.push_back(b_.getInt64(static_cast<std::uint64_t>(value)));
    if (ints.empty()) ints.push_back(b_.getInt64(0));
    return constant_global(
        llvm::ConstantArray::get(llvm::ArrayType::get(b_.getInt64Ty(), ints.size()), ints), "ints");
  }

  void render_call(const LibraryCall& call) {
    const bool calls_back = !call.callbacks.empty();
    llvm::Value* buffers = call_buffers(call);
    llvm::Constant* int_array = call_ints(call);
    std::vector<llvm::Constant*> reals;
    for (double value : call.doubles)
      reals.push_back(llvm::ConstantFP::get(b_.getDoubleTy(), value));
    if (reals.empty()) reals.push_back(llvm::ConstantFP::get(b_.getDoubleTy(), 0.0));
    llvm::Constant* real_array = constant_global(
        llvm::ConstantArray::get(llvm::ArrayType::get(b_.getDoubleTy(), reals.size()), reals),
        "reals");
    std::int32_t code = 0;
    if (!call.error_message.empty()) {
      unit_.result.error_messages.push_back(call.error_message);
      code = static_cast<std::int32_t>(unit_.result.error_messages.size());
    }
    std::vector<llvm::Value*> args = {buffers, int_array, real_array};
    std::vector<llvm::Type*> parameters(calls_back ? 4 : 3, b_.getPtrTy());
    if (calls_back) args.push_back(render_callbacks(call.callbacks));
    llvm::FunctionCallee function = unit_.module.getOrInsertFunction(
        call.function, llvm::FunctionType::get(b_.getInt32Ty(), parameters, false));
    llvm::Value* status = b_.CreateCall(function, args);
    llvm::Value* returned = status;
    if (code != 0) {
      returned = b_.getInt32(code);
      // A callback's status passes through; the function's own failures are negative.
      if (calls_back)
        returned = b_.CreateSelect(b_.CreateICmpSLT(status, b_.getInt32(0)), returned, status);
    }
    return_if_nonzero(status, returned);
  }

  // The callbacks' programs become functions of the module; returns the hr_callback array
  // ({function, inputs, outputs, constants, arena} each), bound entries pointing at this
  // function's buffers.
  llvm::Value* render_callbacks(const std::vector<native::Callback>& callbacks) {
    std::vector<llvm::Value*> entries;
    for (const native::Callback& callback : callbacks) {
      llvm::Function* function = render_body(*callback.program);
      entries.push_back(function);
      entries.push_back(pointer_array(bound_list(callback.inputs), "callback_inputs"));
      entries.push_back(pointer_array(bound_list(callback.outputs), "callback_outputs"));
      entries.push_back(constants_);
      entries.push_back(arena_);
    }
    return pointer_array(entries, "callbacks");
  }

  std::vector<llvm::Value*> bound_list(const std::vector<BufferId>& ids) {
    std::vector<llvm::Value*> pointers;
    for (BufferId id : ids)
      pointers.push_back(id < 0 ? nullptr : buffers_.at(static_cast<std::size_t>(id)));
    return pointers;
  }

  llvm::Function* render_body(const Program& body) {
    Renderer renderer(body, unit_);
    llvm::Function* function =
        renderer.render_function("hypatia_body_" + std::to_string(unit_.bodies++), false);
    renderer.finish_large_constants();
    return function;
  }

  // The body becomes a function of the module, called once per step with pointers to the slices
  // and buffers it binds; carries swap their state and scratch pointers after each step.
  void render_loop(const Loop& loop) {
    llvm::Function* body = render_body(*loop.body);
    llvm::Type* pointer = b_.getPtrTy();
    std::vector<int> carry_of_input(loop.inputs.size(), -1);
    std::vector<llvm::AllocaInst*> carry(loop.outputs.size(), nullptr),
        next(loop.outputs.size(), nullptr);
    for (std::size_t k = 0; k < loop.outputs.size(); ++k) {
      if (loop.carry_input[k] < 0) continue;
      carry_of_input.at(static_cast<std::size_t>(loop.carry_input[k])) = static_cast<int>(k);
      carry[k] = entry_alloca(pointer, "carry");
      next[k] = entry_alloca(pointer, "next");
      b_.CreateStore(outer(loop.inputs[static_cast<std::size_t>(loop.carry_input[k])].outer),
                     carry[k]);
      b_.CreateStore(outer(loop.outputs[k].outer), next[k]);
    }
    emit_range(
        b_.getInt64(0), b_.getInt64(static_cast<std::uint64_t>(loop.steps)),
        [&](llvm::Value* step) {
          llvm::Value* position =
              loop.reverse
                  ? b_.CreateSub(b_.getInt64(static_cast<std::uint64_t>(loop.steps - 1)), step)
                  : step;
          for (std::size_t k = 0; k < loop.outputs.size(); ++k) {
            if (loop.carry_input[k] < 0 || k >= loop.history.size() || loop.history[k] < 0)
              continue;
            const std::int64_t n = program_.buffers.at(loop.outputs[k].outer).size();
            const BufferId state = loop.inputs[static_cast<std::size_t>(loop.carry_input[k])].outer;
            llvm::Type* state_type = element_type(program_.buffers.at(state).dtype);
            llvm::Value* from = b_.CreateLoad(pointer, carry[k]);
            const BufferId history = loop.history[k];
            llvm::Value* row = b_.CreateMul(position, b_.getInt64(static_cast<std::uint64_t>(n)));
            emit_range(b_.getInt64(0), b_.getInt64(static_cast<std::uint64_t>(n)),
                       [&](llvm::Value* i) {
                         llvm::Value* value =
                             b_.CreateLoad(state_type, b_.CreateInBoundsGEP(state_type, from, i));
                         b_.CreateStore(convert(value, program_.buffers.at(history).dtype),
                                        element(history, outer(history), b_.CreateAdd(row, i)));
                       });
          }
          std::vector<llvm::Value*> inputs, outputs;
          for (std::size_t i = 0; i < loop.inputs.size(); ++i) {
            inputs.push_back(
                carry_of_input[i] >= 0
                    ? b_.CreateLoad(pointer, carry[static_cast<std::size_t>(carry_of_input[i])])
                    : bound_pointer(loop.inputs[i], position));
          }
          for (std::size_t k = 0; k < loop.outputs.size(); ++k) {
            outputs.push_back(loop.carry_input[k] >= 0 ? b_.CreateLoad(pointer, next[k])
                                                       : bound_pointer(loop.outputs[k], position));
          }
          llvm::Value* input_array = pointer_array(inputs, "body_inputs");
          llvm::Value* output_array = pointer_array(outputs, "body_outputs");
          llvm::Value* status =
              b_.CreateCall(body, {input_array, output_array, constants_, arena_});
          return_if_nonzero(status, status);
          for (std::size_t k = 0; k < loop.outputs.size(); ++k) {
            if (loop.carry_input[k] < 0) continue;
            llvm::Value* entering = b_.CreateLoad(pointer, carry[k]);
            b_.CreateStore(b_.CreateLoad(pointer, next[k]), carry[k]);
            b_.CreateStore(entering, next[k]);
          }
        });
    // After an odd number of steps the final carries are in the scratch buffers.
    for (std::size_t k = 0; loop.steps % 2 == 1 && k < loop.outputs.size(); ++k) {
      if (loop.carry_input[k] < 0) continue;
      const BufferId state = loop.inputs[static_cast<std::size_t>(loop.carry_input[k])].outer;
      const Buffer& buffer = program_.buffers.at(state);
      llvm::Type* type = element_type(buffer.dtype);
      llvm::Value* from = b_.CreateLoad(pointer, carry[k]);
      emit_range(b_.getInt64(0), b_.getInt64(static_cast<std::uint64_t>(buffer.size())),
                 [&](llvm::Value* i) {
                   b_.CreateStore(b_.CreateLoad(type, b_.CreateInBoundsGEP(type, from, i)),
                                  element(state, outer(state), i));
                 });
    }
  }

  llvm::Value* outer(BufferId id) { return buffers_.at(static_cast<std::size_t>(id)); }

  llvm::Value* bound_pointer(const Loop::Binding& binding, llvm::Value* position) {
    llvm::Value* base = outer(binding.outer);
    if (!binding.sliced) return base;
    const Buffer& buffer = program_.buffers.at(binding.outer);
    const std::int64_t slice = buffer.shape.at(0) == 0 ? 0 : buffer.size() / buffer.shape[0];
    return element(binding.outer, base,
                   b_.CreateMul(position, b_.getInt64(static_cast<std::uint64_t>(slice))));
  }

  const Program& program_;
  Unit& unit_;
  llvm::LLVMContext& context_;
  llvm::IRBuilder<> b_;
  llvm::Function* function_ = nullptr;
  llvm::Value* inputs_ = nullptr;
  llvm::Value* outputs_ = nullptr;
  llvm::Value* constants_ = nullptr;
  llvm::Value* arena_ = nullptr;
  std::vector<std::int64_t> offsets_;
  std::vector<llvm::Value*> buffers_;
  std::vector<BufferId> large_constant_ids_, aliases_;
  std::vector<llvm::LoadInst*> pending_loads_;
  std::vector<llvm::Value*> variables_;
  std::unordered_map<const ScalarNode*, llvm::Value*> values_;   // of the statement rendering
  std::unordered_map<const ScalarNode*, llvm::Value*> hoisted_;  // of the nest (hoist_fixed_loads)
  // A lane block's rendering (render_lanes): its variable, and which nodes differ between lanes.
  bool in_lane_block_ = false;
  int lane_variable_ = -1;
  std::unordered_map<const ScalarNode*, bool> varies_;
  native::ChunkPartials partial_offsets_;
  const std::vector<llvm::Value*>* chunk_partials_ = nullptr;
  const Statement* current_body_ = nullptr;
};

}  // namespace

RenderedModule render_llvm(const Program& program, llvm::Module& module,
                           const llvm::Module& scalars) {
  Unit unit{module, scalars, module.getContext(), {}, 0, 0, {}};
  Renderer renderer(program, unit);
  renderer.render_function("hypatia_entry", true);
  renderer.finish_large_constants();
  return std::move(unit.result);
}

}  // namespace hypatia::jit

#endif  // HYPATIA_HAVE_LLVM
