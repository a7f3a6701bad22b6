#include "backend/native/render_cpp.hpp"

#include "backend/native/arena_plan.hpp"

#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>
#include <unordered_map>

#include "hypatia/error.hpp"
#include "hypatia_runtime.h"

namespace hypatia::native {
namespace {

// Constants up to this many elements are written into the source so the compiler can fold them;
// larger ones are passed by pointer at call time (and do not change the cache key's source).
constexpr std::int64_t kInlineConstantLimit = 16;
constexpr std::int64_t kArenaAlignment = 64;

std::string c_type(DType dtype) {
  switch (dtype) {
    case DType::float64:
      return "double";
    case DType::float32:
      return "float";
    case DType::int64:
      return "std::int64_t";
    case DType::boolean:
      return "std::uint8_t";
  }
  return "void";
}

std::string number(double value) {
  if (std::isnan(value)) return "HR_NAN";
  if (std::isinf(value)) return value > 0 ? "HR_INF" : "(-HR_INF)";
  char text[40];
  std::snprintf(text, sizeof text, "%.17g", value);
  std::string s = text;
  if (s.find_first_of(".eE") == std::string::npos) s += ".0";
  return s;
}

// `expression` (of dtype `from`) as a value of dtype `to`, with the reference kernels' rules:
// doubles round to float32, truncate to int64 (NaN and out-of-range defined), test != 0 for bool.
std::string convert(const std::string& expression, DType from, DType to) {
  if (from == to) return expression;
  switch (to) {
    case DType::float64:
      return "static_cast<double>(" + expression + ")";
    case DType::float32:
      return "static_cast<float>(" + expression + ")";
    case DType::int64:
      return is_floating(from) ? "hr_to_int64(" + expression + ")"
                               : "static_cast<std::int64_t>(" + expression + ")";
    case DType::boolean:
      return "static_cast<std::uint8_t>((" + expression + ") != 0)";
  }
  return expression;
}

std::string fill_template(const std::string& pattern, const std::vector<std::string>& args) {
  std::string out;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '{' && i + 2 < pattern.size() && pattern[i + 2] == '}' &&
        std::isdigit(static_cast<unsigned char>(pattern[i + 1]))) {
      out += "(" + args.at(static_cast<std::size_t>(pattern[i + 1] - '0')) + ")";
      i += 2;
    } else {
      out += pattern[i];
    }
  }
  return out;
}

// What the functions of one translation unit share: the arena (each function's temporaries get
// their own region of it), large constants, run-time error messages (numbered across the unit, so
// a status passes through nested calls unchanged) and the definitions of loop bodies.
struct Unit {
  RenderedProgram result;
  std::map<std::string, bool> library_functions;  // name -> whether it takes callbacks
  std::set<std::string> chunked_functions;        // library functions called chunk by chunk
  std::string body_functions;                     // definitions, each before its first use
  int bodies = 0;
};

// Every generated function has the entry point's parameters: loop bodies are called like it.
constexpr const char* kParameters =
    "(void* const* inputs, void* const* outputs, void* const* constants, unsigned char* arena)";

class Renderer {
 public:
  Renderer(const Program& program, Unit& unit) : program_(program), unit_(unit) {}

  // The function `declaration` computing the program (buffers declared, steps run, status 0).
  std::string render_function(const std::string& declaration) {
    plan_arena();
    std::ostringstream body;
    for (const Step& step : program_.steps) render_step(step, body);
    return declaration + " {\n" + declare_buffers() + body.str() + "  return 0;\n}\n";
  }

 private:
  // This function's temporaries get a region of the arena after those planned so far (a loop
  // body or callback runs while its caller's temporaries are live); inside it, temporaries whose
  // lifetimes do not overlap share storage.
  void plan_arena() {
    std::int64_t& arena_bytes = unit_.result.arena_bytes;
    ArenaPlan plan = native::plan_arena(program_, arena_bytes, kArenaAlignment);
    offsets_ = std::move(plan.offsets);
    arena_bytes = plan.end;
    // Every chunk of a chunked nest gets its own partial of each target no row owns.
    partial_offsets_ = plan_chunk_partials(program_, arena_bytes, kArenaAlignment);
  }

  std::string declare_buffers() {
    std::ostringstream out;
    for (std::size_t id = 0; id < program_.buffers.size(); ++id) {
      const Buffer& b = program_.buffers[id];
      const std::string type = c_type(b.dtype);
      const std::string name = "b" + std::to_string(id);
      switch (b.role) {
        case Buffer::Role::input:
          out << "  auto* " << name << " = (" << type << "*)inputs[" << b.position << "];\n";
          break;
        case Buffer::Role::output:
          out << "  auto* " << name << " = (" << type << "*)outputs[" << b.position << "];\n";
          break;
        case Buffer::Role::constant:
          if (b.size() <= kInlineConstantLimit) {
            out << "  static const " << type << " " << name << "[] = {";
            for (std::int64_t i = 0; i < b.size(); ++i) {
              out << (i ? ", " : "") << inline_value(b.value, i);
            }
            out << (b.size() == 0 ? "0" : "") << "};\n";
          } else {
            out << "  auto* " << name << " = (const " << type << "*)constants["
                << unit_.result.large_constants.size() << "];\n";
            unit_.result.large_constants.push_back(b.value);
          }
          break;
        case Buffer::Role::temporary:
          if (b.alias_of >= 0) {
            out << "  auto* " << name << " = (" << type << "*)b" << b.alias_of << ";\n";
          } else {
            out << "  auto* " << name << " = (" << type << "*)(arena + " << offsets_[id] << ");\n";
          }
          break;
      }
    }
    return out.str();
  }

  static std::string inline_value(const Tensor& value, std::int64_t i) {
    switch (value.dtype()) {
      case DType::int64:
        return std::to_string(value.data<std::int64_t>()[i]) + "LL";
      case DType::boolean:
        return value.at(i) != 0.0 ? "1" : "0";
      case DType::float32:
        return "static_cast<float>(" + number(value.at(i)) + ")";
      case DType::float64:
        return number(value.at(i));
    }
    return "0";
  }

  std::string index(const Index& index) {
    std::string text = std::to_string(index.offset);
    for (const auto& [variable, stride] : index.terms) {
      text += " + " + std::to_string(stride) + " * i" + std::to_string(variable);
    }
    if (index.indirect) {
      text += " + " + std::to_string(index.indirect_stride) + " * " +
              convert(scalar(index.indirect), index.indirect->dtype, DType::int64);
    }
    return text;
  }

  std::string scalar(const Scalar& node) {
    if (auto named = locals_.find(node.get()); named != locals_.end()) return named->second;
    switch (node->kind) {
      case ScalarNode::Kind::literal:
        return convert(number(node->literal), DType::float64, node->dtype);
      case ScalarNode::Kind::load:
        return "b" + std::to_string(node->buffer) + "[" + index(node->index) + "]";
      case ScalarNode::Kind::loop_variable:
        return "i" + std::to_string(node->variable);
      case ScalarNode::Kind::apply:
        return apply(*node);
    }
    return "";
  }

  std::string apply(const ScalarNode& node) {
    bool integral = !node.cpp_int_template.empty() && !is_floating(node.dtype);
    for (const Scalar& arg : node.args) integral = integral && is_integral(arg->dtype);
    const DType computed = integral ? DType::int64 : DType::float64;
    if (!integral && node.cpp_template.empty()) {
      throw Error("native backend: scalar function '" + node.function + "' has no C++ form");
    }
    std::vector<std::string> args;
    for (const Scalar& arg : node.args) args.push_back(convert(scalar(arg), arg->dtype, computed));
    const std::string value =
        fill_template(integral ? node.cpp_int_template : node.cpp_template, args);
    return convert(value, computed, node.dtype);
  }

  // A statement's value is a DAG: lowering reuses one scalar for every read of a value (a fused
  // region's node read by several others). Rendered as a tree, each reuse would be computed again,
  // and reuse nested k deep would repeat the innermost work exponentially often; so every
  // function application read more than once is computed once, into a local before the statement
  // (the same operations in the same order: the value is bit for bit the inline one's).
  void count_reads(const Scalar& node, std::unordered_map<const ScalarNode*, int>& reads) {
    if (!node || reads[node.get()]++ > 0) return;
    for (const Scalar& arg : node->args) count_reads(arg, reads);
    count_reads(node->index.indirect, reads);
  }

  void declare_locals(const Scalar& node, const std::unordered_map<const ScalarNode*, int>& reads,
                      std::ostringstream& out, const std::string& indent) {
    if (!node || locals_.contains(node.get())) return;
    for (const Scalar& arg : node->args) declare_locals(arg, reads, out, indent);
    declare_locals(node->index.indirect, reads, out, indent);
    if (node->kind != ScalarNode::Kind::apply || reads.at(node.get()) < 2) return;
    const std::string name = "s" + std::to_string(locals_.size());
    out << indent << "const " << c_type(node->dtype) << " " << name << " = " << scalar(node)
        << ";\n";
    locals_[node.get()] = name;
  }

  void render_statement(const Statement& statement, std::ostringstream& out,
                        const std::string& indent) {
    std::unordered_map<const ScalarNode*, int> reads;
    count_reads(statement.value, reads);
    count_reads(statement.index.indirect, reads);
    std::ostringstream locals;
    declare_locals(statement.value, reads, locals, indent + "  ");
    declare_locals(statement.index.indirect, reads, locals, indent + "  ");
    if (locals_.empty()) {
      render_assignment(statement, out, indent);
      return;
    }
    out << indent << "{\n" << locals.str();
    render_assignment(statement, out, indent + "  ");
    out << indent << "}\n";
    locals_.clear();
  }

  void render_assignment(const Statement& statement, std::ostringstream& out,
                         const std::string& indent) {
    const Buffer& target = program_.buffers.at(statement.buffer);
    const std::string place = lane_target_.empty()
                                  ? target_base(statement) + "[" + index(statement.index) + "]"
                                  : lane_target_;
    const std::string value =
        convert(scalar(statement.value), statement.value->dtype, target.dtype);
    switch (statement.update) {
      case Statement::Update::assign:
        out << indent << place << " = " << value << ";\n";
        break;
      case Statement::Update::add:
        out << indent << place << " += " << value << ";\n";
        break;
      case Statement::Update::multiply:
        out << indent << place << " *= " << value << ";\n";
        break;
      case Statement::Update::maximum:
        out << indent << place << " = hr_max(" << place << ", " << value << ");\n";
        break;
      case Statement::Update::minimum:
        out << indent << place << " = hr_min(" << place << ", " << value << ");\n";
        break;
    }
  }

  // The base of the element `statement` updates: its buffer, or the current chunk's partial of it.
  std::string target_base(const Statement& statement) const {
    if (chunk_partials_ != nullptr) {
      const std::int64_t s = &statement - current_body_;
      if ((*chunk_partials_)[static_cast<std::size_t>(s)] >= 0) return "p" + std::to_string(s);
    }
    return "b" + std::to_string(statement.buffer);
  }

  // The nest's loops around its statements, the outermost over [first, last).
  void render_loops(const LoopNest& nest, std::ostringstream& out, std::string indent,
                    const std::string& first, const std::string& last) {
    current_body_ = nest.body.data();
    const std::size_t depth = nest.extents.size();
    const bool lanes = sums_in_lanes(nest, program_);
    const std::size_t plain_loops = lanes ? depth - 1 : depth;
    for (std::size_t k = 0; k < plain_loops; ++k) {
      indent += "  ";
      out << indent << "for (std::int64_t i" << k << " = " << (k == 0 ? first : "0") << "; i" << k
          << " < " << (k == 0 ? last : std::to_string(nest.extents[k])) << "; ++i" << k << ") {\n";
    }
    if (lanes) {
      const std::size_t k = depth - 1;
      render_lanes(nest, out, indent + "  ", k == 0 ? first : "0",
                   k == 0 ? last : std::to_string(nest.extents[k]));
    } else {
      for (const Statement& statement : nest.body) render_statement(statement, out, indent + "  ");
    }
    for (std::size_t k = plain_loops; k-- > 0;) {
      out << indent << "}\n";
      indent.resize(indent.size() - 2);
    }
  }

  // The innermost loop, over [first, last), of a nest summing in lanes: statement s adds into
  // lane (i - first) % HR_SUM_LANES of its own lanes, whole blocks of lanes first (marked
  // `omp simd`: the lanes are independent, so any vector width computes the same bits), then the
  // rest; each target then adds its lanes' hr_sum_lanes total.
  void render_lanes(const LoopNest& nest, std::ostringstream& out, const std::string& indent,
                    const std::string& first, const std::string& last) {
    const std::string variable = "i" + std::to_string(nest.extents.size() - 1);
    const std::string lanes = std::to_string(HR_SUM_LANES);
    out << indent << "{\n";
    for (std::size_t s = 0; s < nest.body.size(); ++s) {
      out << indent << "  double lanes" << s << "[" << lanes << "] = {};\n";
    }
    out << indent << "  std::int64_t block = " << first << ";\n"
        << indent << "  for (; block + " << lanes << " <= " << last << "; block += " << lanes
        << ") {\n"
        << "#pragma omp simd\n"
        << indent << "    for (std::int64_t lane = 0; lane < " << lanes << "; ++lane) {\n"
        << indent << "      const std::int64_t " << variable << " = block + lane;\n";
    render_lane_statements(nest, out, indent + "      ");
    out << indent << "    }\n"
        << indent << "  }\n"
        << indent << "  for (std::int64_t lane = 0; block + lane < " << last << "; ++lane) {\n"
        << indent << "    const std::int64_t " << variable << " = block + lane;\n";
    render_lane_statements(nest, out, indent + "    ");
    out << indent << "  }\n";
    for (std::size_t s = 0; s < nest.body.size(); ++s) {
      const Statement& statement = nest.body[s];
      out << indent << "  " << target_base(statement) << "[" << index(statement.index)
          << "] += hr_sum_lanes(lanes" << s << ");\n";
    }
    out << indent << "}\n";
  }

  void render_lane_statements(const LoopNest& nest, std::ostringstream& out,
                              const std::string& indent) {
    for (std::size_t s = 0; s < nest.body.size(); ++s) {
      lane_target_ = "lanes" + std::to_string(s) + "[lane]";
      render_statement(nest.body[s], out, indent);
    }
    lane_target_.clear();
  }

  // The nest's outermost loop as chunks of HR_CHUNK_ROWS iterations, run by
  // hr_parallel_for_chunks; statements adding into a target no row owns add into the chunk's
  // partial instead, and the partials are added to the target in chunk order afterwards.
  void render_chunked(const LoopNest& nest, std::ostringstream& out) {
    open_chunks(nest.extents[0], out);
    render_nest_chunk(nest, out);
    close_chunks(nest.extents[0], out);
    add_partials(nest, out);
    out << "  }\n";
  }

  // A group's steps run chunk by chunk (RowChunks): one task per chunk runs each step's part for
  // its rows, then the steps' partials are added, step by step, in chunk order.
  void render_row_chunks(const RowChunks& group, std::ostringstream& out) {
    open_chunks(group.rows, out);
    for (const ChunkedStep& step : group.steps) {
      if (const auto* nest = std::get_if<LoopNest>(&step)) {
        render_nest_chunk(*nest, out);
      } else {
        render_call_chunk(std::get<LibraryCall>(step), out);
      }
    }
    close_chunks(group.rows, out);
    for (const ChunkedStep& step : group.steps) {
      if (const auto* nest = std::get_if<LoopNest>(&step)) {
        add_partials(*nest, out);
      } else {
        const LibraryCall& call = std::get<LibraryCall>(step);
        out << "    {\n";
        render_call_operands(call, out, "      ");
        out << "      " << call.function << "_finish(buffers, ints);\n    }\n";
      }
    }
    out << "  }\n";
  }

  // Opens a block with `chunk_body`, the work of one chunk of `rows` rows over [begin, end).
  static void open_chunks(std::int64_t rows, std::ostringstream& out) {
    out << "  {\n    auto chunk_body = [=](std::int64_t chunk) {\n"
        << "      const std::int64_t begin = chunk * " << HR_CHUNK_ROWS << ";\n"
        << "      const std::int64_t end = begin + " << HR_CHUNK_ROWS << " < " << rows
        << " ? begin + " << HR_CHUNK_ROWS << " : " << rows << ";\n";
  }

  // Ends `chunk_body` and runs it for every chunk.
  static void close_chunks(std::int64_t rows, std::ostringstream& out) {
    out << "    };\n    hr_parallel_for_chunks(" << hr_chunk_count(rows)
        << ", [](std::int64_t chunk, void* context) {\n"
        << "      (*static_cast<decltype(chunk_body)*>(context))(chunk);\n"
        << "    }, &chunk_body);\n";
  }

  // One chunk of a nest: its partials zeroed, its loops over the chunk's rows.
  void render_nest_chunk(const LoopNest& nest, std::ostringstream& out) {
    const std::vector<std::int64_t>& partials = partial_offsets_.at(&nest);
    out << "      {\n";
    for (std::size_t s = 0; s < nest.body.size(); ++s) {
      if (partials[s] < 0) continue;
      const Buffer& target = program_.buffers.at(nest.body[s].buffer);
      const std::string type = c_type(target.dtype);
      out << "        auto* p" << s << " = (" << type << "*)(arena + " << partials[s]
          << ") + chunk * " << target.size() << ";\n"
          << "        for (std::int64_t j = 0; j < " << target.size() << "; ++j) p" << s
          << "[j] = 0;\n";
    }
    chunk_partials_ = &partials;
    render_loops(nest, out, "      ", "begin", "end");
    chunk_partials_ = nullptr;
    out << "      }\n";
  }

  // Each chunk's partial added to the nest's targets, in chunk order.
  void add_partials(const LoopNest& nest, std::ostringstream& out) {
    const std::vector<std::int64_t>& partials = partial_offsets_.at(&nest);
    const std::int64_t chunks = hr_chunk_count(nest.extents[0]);
    for (std::size_t s = 0; s < nest.body.size(); ++s) {
      if (partials[s] < 0) continue;
      const Buffer& target = program_.buffers.at(nest.body[s].buffer);
      const std::string type = c_type(target.dtype);
      out << "    for (std::int64_t chunk = 0; chunk < " << chunks << "; ++chunk) {\n"
          << "      const auto* partial = (const " << type << "*)(arena + " << partials[s]
          << ") + chunk * " << target.size() << ";\n"
          << "      for (std::int64_t j = 0; j < " << target.size() << "; ++j) b"
          << nest.body[s].buffer << "[j] += partial[j];\n    }\n";
    }
  }

  // One chunk of a library call with a chunked form (see hypatia_linalg.h).
  void render_call_chunk(const LibraryCall& call, std::ostringstream& out) {
    unit_.chunked_functions.insert(call.function);
    out << "      {\n";
    render_call_operands(call, out, "        ");
    out << "        " << call.function << "_chunk(buffers, ints, chunk);\n      }\n";
  }

  void render_step(const Step& step, std::ostringstream& out) {
    if (const auto* nest = std::get_if<LoopNest>(&step)) {
      if (runs_in_chunks(*nest)) {
        render_chunked(*nest, out);
        return;
      }
      out << "  {\n";
      render_loops(*nest, out, "  ", "0",
                   nest->extents.empty() ? "1" : std::to_string(nest->extents[0]));
      out << "  }\n";
    } else if (const auto* call = std::get_if<LibraryCall>(&step)) {
      render_call(*call, out);
    } else if (const auto* check = std::get_if<IndexCheck>(&step)) {
      unit_.result.error_messages.push_back(check->message);
      const Buffer& indices = program_.buffers.at(check->indices);
      out << "  if (!hr_indices_in_range(b" << check->indices << ", " << indices.size() << ", "
          << check->size << ")) return " << unit_.result.error_messages.size() << ";\n";
    } else if (const auto* group = std::get_if<RowChunks>(&step)) {
      render_row_chunks(*group, out);
    } else {
      render_loop(std::get<Loop>(step), out);
    }
  }

  void render_call(const LibraryCall& call, std::ostringstream& out) {
    const bool calls_back = !call.callbacks.empty();
    unit_.library_functions[call.function] = calls_back;
    out << "  {\n";
    render_call_operands(call, out, "    ");
    out << "    static const double reals[] = {";
    for (std::size_t i = 0; i < call.doubles.size(); ++i)
      out << (i ? ", " : "") << number(call.doubles[i]);
    out << (call.doubles.empty() ? "0" : "") << "};\n";
    std::string failure_status = "status";
    if (!call.error_message.empty()) {
      unit_.result.error_messages.push_back(call.error_message);
      failure_status = std::to_string(unit_.result.error_messages.size());
      // A callback's status passes through; the function's own failures are negative.
      if (calls_back) failure_status = "status < 0 ? " + failure_status + " : status";
    }
    if (calls_back) render_callbacks(call.callbacks, out);
    out << "    if (int status = " << call.function << "(buffers, ints, reals"
        << (calls_back ? ", callbacks" : "") << "); status != 0) return " << failure_status
        << ";\n  }\n";
  }

  // The call's `buffers` and `ints` arrays.
  static void render_call_operands(const LibraryCall& call, std::ostringstream& out,
                                   const std::string& indent) {
    out << indent << "void* const buffers[] = {";
    for (std::size_t i = 0; i < call.buffers.size(); ++i) {
      out << (i ? ", " : "") << "(void*)b" << call.buffers[i];
    }
    out << (call.buffers.empty() ? "nullptr" : "") << "};\n"
        << indent << "static const std::int64_t ints[] = {";
    for (std::size_t i = 0; i < call.ints.size(); ++i)
      out << (i ? ", " : "") << call.ints[i] << "LL";
    out << (call.ints.empty() ? "0" : "") << "};\n";
  }

  // The callbacks' programs become functions of the unit; `callbacks` lists them with their
  // pointer arrays, bound entries pointing at this function's buffers.
  void render_callbacks(const std::vector<Callback>& callbacks, std::ostringstream& out) {
    std::vector<std::string> entries;
    for (std::size_t j = 0; j < callbacks.size(); ++j) {
      const std::string function = render_body(*callbacks[j].program);
      const std::string name = "callback" + std::to_string(j);
      out << "    void* " << name << "_inputs[] = {" << bound_list(callbacks[j].inputs) << "};\n"
          << "    void* " << name << "_outputs[] = {" << bound_list(callbacks[j].outputs) << "};\n";
      entries.push_back("{" + function + ", " + name + "_inputs, " + name +
                        "_outputs, constants, arena}");
    }
    out << "    const hr_callback callbacks[] = {";
    for (std::size_t j = 0; j < entries.size(); ++j) out << (j ? ", " : "") << entries[j];
    out << "};\n";
  }

  static std::string bound_list(const std::vector<BufferId>& buffers) {
    std::vector<std::string> pointers;
    for (BufferId id : buffers) pointers.push_back(id < 0 ? "nullptr" : "b" + std::to_string(id));
    return pointer_list(pointers);
  }

  // A program run by the generated code itself (a loop body, a callback) as a static function of
  // the unit, with the entry point's parameters; returns its name.
  std::string render_body(const Program& body) {
    const std::string function = "hypatia_body_" + std::to_string(unit_.bodies++);
    unit_.body_functions +=
        Renderer(body, unit_).render_function("static int " + function + kParameters) + "\n";
    return function;
  }

  // The body becomes a static function of the unit, called once per step with pointers to the
  // slices and buffers it binds; carries swap their state and scratch pointers after each step.
  void render_loop(const Loop& loop, std::ostringstream& out) {
    const std::string function = render_body(*loop.body);

    std::vector<int> carry_of_input(loop.inputs.size(), -1);
    out << "  {\n";
    for (std::size_t k = 0; k < loop.outputs.size(); ++k) {
      if (loop.carry_input[k] < 0) continue;
      carry_of_input.at(static_cast<std::size_t>(loop.carry_input[k])) = static_cast<int>(k);
      out << "    auto* carry" << k << " = b" << loop.inputs[loop.carry_input[k]].outer
          << ";\n    auto* next" << k << " = b" << loop.outputs[k].outer << ";\n";
    }
    out << "    for (std::int64_t step = 0; step < " << loop.steps << "; ++step) {\n"
        << "      const std::int64_t position = "
        << (loop.reverse ? std::to_string(loop.steps - 1) + " - step" : std::string("step"))
        << ";\n";
    for (std::size_t k = 0; k < loop.outputs.size(); ++k) {
      if (loop.carry_input[k] < 0 || k >= loop.history.size() || loop.history[k] < 0) continue;
      const std::int64_t n = program_.buffers.at(loop.outputs[k].outer).size();
      out << "      for (std::int64_t i = 0; i < " << n << "; ++i) b" << loop.history[k]
          << "[position * " << n << " + i] = carry" << k << "[i];\n";
    }
    std::vector<std::string> inputs, outputs;
    for (std::size_t i = 0; i < loop.inputs.size(); ++i) {
      inputs.push_back(carry_of_input[i] >= 0 ? "carry" + std::to_string(carry_of_input[i])
                                              : bound_pointer(loop.inputs[i]));
    }
    for (std::size_t k = 0; k < loop.outputs.size(); ++k) {
      outputs.push_back(loop.carry_input[k] >= 0 ? "next" + std::to_string(k)
                                                 : bound_pointer(loop.outputs[k]));
    }
    out << "      void* const body_inputs[] = {" << pointer_list(inputs) << "};\n"
        << "      void* const body_outputs[] = {" << pointer_list(outputs) << "};\n"
        << "      if (int status = " << function
        << "(body_inputs, body_outputs, constants, arena); status != 0) return status;\n";
    for (std::size_t k = 0; k < loop.outputs.size(); ++k) {
      if (loop.carry_input[k] < 0) continue;
      out << "      { auto* entering = carry" << k << "; carry" << k << " = next" << k << "; next"
          << k << " = entering; }\n";
    }
    out << "    }\n";
    // After an odd number of steps the final carries are in the scratch buffers.
    for (std::size_t k = 0; loop.steps % 2 == 1 && k < loop.outputs.size(); ++k) {
      if (loop.carry_input[k] < 0) continue;
      const BufferId state = loop.inputs[loop.carry_input[k]].outer;
      out << "    for (std::int64_t i = 0; i < " << program_.buffers.at(state).size() << "; ++i) b"
          << state << "[i] = carry" << k << "[i];\n";
    }
    out << "  }\n";
  }

  // The outer buffer, or its slice at `position` along the leading axis.
  std::string bound_pointer(const Loop::Binding& binding) const {
    const std::string name = "b" + std::to_string(binding.outer);
    if (!binding.sliced) return name;
    const Buffer& outer = program_.buffers.at(binding.outer);
    const std::int64_t slice = outer.shape.at(0) == 0 ? 0 : outer.size() / outer.shape[0];
    return "(" + name + " + position * " + std::to_string(slice) + ")";
  }

  static std::string pointer_list(const std::vector<std::string>& pointers) {
    if (pointers.empty()) return "nullptr";
    std::string list;
    for (const std::string& pointer : pointers) {
      list += (list.empty() ? "" : ", ") + std::string("(void*)") + pointer;
    }
    return list;
  }

  const Program& program_;
  Unit& unit_;
  std::vector<std::int64_t> offsets_;
  std::unordered_map<const ScalarNode*, std::string> locals_;  // of the statement being rendered
  // Per chunked nest, each statement's partials' arena offset (-1: the statement owns its rows).
  ChunkPartials partial_offsets_;
  // While a chunked nest renders: its statements' partials' offsets, and its body.
  const std::vector<std::int64_t>* chunk_partials_ = nullptr;
  const Statement* current_body_ = nullptr;
  std::string lane_target_;  // the lane the statement being rendered adds into, if any
};

}  // namespace

RenderedProgram render_cpp(const Program& program) {
  Unit unit;
  const std::string entry =
      Renderer(program, unit)
          .render_function(std::string("extern \"C\" int hypatia_entry") + kParameters);
  std::ostringstream source;
  source << "// Generated by Hypatia's native backend.\n#include \"hypatia_runtime.h\"\n\n";
  for (const auto& [function, calls_back] : unit.library_functions) {
    source << "extern \"C\" int " << function
           << "(void* const* buffers, const std::int64_t* ints, const double* reals"
           << (calls_back ? ", const hr_callback* callbacks" : "") << ");\n";
  }
  for (const std::string& function : unit.chunked_functions) {
    source << "extern \"C\" void " << function
           << "_chunk(void* const* buffers, const std::int64_t* ints, std::int64_t chunk);\n"
           << "extern \"C\" void " << function
           << "_finish(void* const* buffers, const std::int64_t* ints);\n";
  }
  source << "\n" << unit.body_functions << entry;
  unit.result.source = source.str();
  return std::move(unit.result);
}

}  // namespace hypatia::native
