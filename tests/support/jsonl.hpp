// Reads a JSON-lines file of tests/data (one JSON value per non-empty line) for the tests.
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "catch.hpp"

namespace lexzone_test {

/// The values of `name` in LEXZONE_TEST_DATA_DIR (or of an absolute path); fails the test if unreadable.
inline std::vector<nlohmann::json> read_jsonl(const std::filesystem::path& name) {
  const std::filesystem::path path = name.is_absolute() ? name : std::filesystem::path(LEXZONE_TEST_DATA_DIR) / name;
  std::ifstream in(path);
  REQUIRE(in.good());
  std::vector<nlohmann::json> out;
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) out.push_back(nlohmann::json::parse(line));
  return out;
}

}  // namespace lexzone_test
