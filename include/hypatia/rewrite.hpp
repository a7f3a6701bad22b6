#pragma once

#include <map>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "hypatia/node.hpp"

namespace hypatia {

// Options of the graph optimizer. Phases run in order: canonicalize, stabilize, specialize, fuse.
struct RewriteOptions {
  std::set<std::string> disabled_phases = {};  // e.g. {"fuse"}
  std::set<std::string> disabled_rules = {};   // by rule name
  // Prints the graph before and after each phase and the rules that fired.
  bool explain = false;
  std::ostream* explain_stream = nullptr;  // std::cerr when null
};

// How often each rule fired, by phase and rule name.
struct RewriteReport {
  std::map<std::string, std::map<std::string, int>> hits;
  int total_hits() const;
};

// Rewrites `outputs` phase by phase, each to a fixed point; the results compute the same values.
std::vector<NodePtr> optimize(const std::vector<NodePtr>& outputs,
                              const RewriteOptions& options = {}, RewriteReport* report = nullptr);

// The names of the phases, in order, and of each phase's rules (for documentation and tests).
std::vector<std::string> rewrite_phase_names();
std::vector<std::string> rewrite_rule_names(const std::string& phase);

}  // namespace hypatia
