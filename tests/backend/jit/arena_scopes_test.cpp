// The arena's alias scopes (src/backend/jit/arena_scopes.hpp) as LLVM's own scoped-noalias
// analysis reads them: accesses to temporaries whose byte ranges are disjoint must not alias,
// and every pair that may touch the same bytes (storage shared by disjoint lifetimes, a view and
// what it views, a buffer outside the arena) must still alias.

#ifdef HYPATIA_HAVE_LLVM

#include <gtest/gtest.h>
#include <llvm/Analysis/AliasAnalysis.h>
#include <llvm/Analysis/MemoryLocation.h>
#include <llvm/Analysis/ScopedNoAliasAA.h>
#include <llvm/Analysis/TargetLibraryInfo.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>

#include <vector>

#include "backend/jit/arena_scopes.hpp"

namespace hypatia::jit {
namespace {

using native::Buffer;
using native::Program;

Buffer temporary(DType dtype, std::int64_t size, native::BufferId alias_of = -1) {
  Buffer buffer;
  buffer.dtype = dtype;
  buffer.shape = Shape{size};
  buffer.alias_of = alias_of;
  return buffer;
}

class ArenaScopesTest : public ::testing::Test {
 protected:
  // Buffers and their arena bytes:
  //   0: float64[8]  [0, 64)       1: float64[8]  [64, 128)    2: float64[4]  [0, 32) (shares 0's)
  //   3: a view of 1 (same bytes)  4: bool[3]     [128, 131)   5: an input (not in the arena)
  //   6: float64[2]  [120, 136) (overlaps 1 and 4 by a few bytes)
  void SetUp() override {
    program_.buffers = {temporary(DType::float64, 8), temporary(DType::float64, 8),
                        temporary(DType::float64, 4), temporary(DType::float64, 8, 1),
                        temporary(DType::boolean, 3), temporary(DType::float64, 2),
                        temporary(DType::float64, 2)};
    program_.buffers[5].role = Buffer::Role::input;
    const std::vector<std::int64_t> offsets = {0, 64, 0, -1, 128, -1, 120};
    ArenaScopes scopes(program_, offsets, context_);

    auto* type = llvm::FunctionType::get(llvm::Type::getVoidTy(context_),
                                         {llvm::PointerType::get(context_, 0)}, false);
    function_ = llvm::Function::Create(type, llvm::GlobalValue::ExternalLinkage, "f", module_);
    llvm::IRBuilder<> b(llvm::BasicBlock::Create(context_, "entry", function_));
    llvm::Value* arena = function_->getArg(0);
    for (std::size_t id = 0; id < program_.buffers.size(); ++id) {
      // Each access at its buffer's first byte; what matters is the metadata, not the address.
      const std::int64_t offset = offsets[id] >= 0 ? offsets[id] : 0;
      llvm::Value* place = b.CreateConstInBoundsGEP1_64(b.getInt8Ty(), arena, offset);
      llvm::LoadInst* load = b.CreateLoad(b.getDoubleTy(), place);
      scopes.mark(*load, static_cast<native::BufferId>(id));
      loads_.push_back(load);
    }
    b.CreateRetVoid();
  }

  // What the scoped-noalias analysis alone says of the two buffers' accesses.
  bool may_alias(std::size_t a, std::size_t b) {
    llvm::TargetLibraryInfoImpl library_info_impl;
    llvm::TargetLibraryInfo library_info(library_info_impl);
    llvm::AAResults results(library_info);
    llvm::SimpleAAQueryInfo query(results);
    llvm::ScopedNoAliasAAResult scoped;
    return scoped.alias(llvm::MemoryLocation::get(loads_.at(a)),
                        llvm::MemoryLocation::get(loads_.at(b)), query,
                        nullptr) != llvm::AliasResult::NoAlias;
  }

  Program program_;
  llvm::LLVMContext context_;
  llvm::Module module_{"arena_scopes", context_};
  llvm::Function* function_ = nullptr;
  std::vector<llvm::LoadInst*> loads_;
};

TEST_F(ArenaScopesTest, DisjointRangesDoNotAlias) {
  EXPECT_FALSE(may_alias(0, 1));
  EXPECT_FALSE(may_alias(1, 0));
  EXPECT_FALSE(may_alias(0, 4));
  EXPECT_FALSE(may_alias(2, 1));
  EXPECT_FALSE(may_alias(2, 3));  // the view lies in 1's bytes, 2 in 0's
  EXPECT_FALSE(may_alias(0, 6));
}

TEST_F(ArenaScopesTest, SharedStorageViewsAndOverlapsStillAlias) {
  EXPECT_TRUE(may_alias(0, 2));  // the same bytes at different times
  EXPECT_TRUE(may_alias(2, 0));
  EXPECT_TRUE(may_alias(1, 3));  // a view of 1
  EXPECT_TRUE(may_alias(3, 1));
  EXPECT_TRUE(may_alias(1, 6));  // 8 bytes in common
  EXPECT_TRUE(may_alias(6, 4));  // 3 bytes in common
  EXPECT_TRUE(may_alias(0, 0));
}

TEST_F(ArenaScopesTest, BuffersOutsideTheArenaAreLeftUnmarked) {
  EXPECT_EQ(loads_[5]->getMetadata(llvm::LLVMContext::MD_alias_scope), nullptr);
  EXPECT_EQ(loads_[5]->getMetadata(llvm::LLVMContext::MD_noalias), nullptr);
  for (std::size_t id = 0; id < loads_.size(); ++id) EXPECT_TRUE(may_alias(5, id)) << id;
}

}  // namespace
}  // namespace hypatia::jit

#endif  // HYPATIA_HAVE_LLVM
