/// \file lexzone.hpp
/// The umbrella header of lexzone's core and pipeline: ids (hash.hpp), the string store, the vocab, the
/// memory zone guard, docs, the tokenizer and component concepts, pipelines, and the parallel pipe.
///
/// Depends on xxHash, tsl::robin-map and the standard library only. Languages (`<lexzone/en.hpp>`) and
/// the optional parts (JSONL loading with nlohmann_json in `<lexzone/io/...>`) have headers of their own.
#pragma once

#include "concepts.hpp"       // IWYU pragma: export
#include "config.hpp"         // IWYU pragma: export
#include "doc.hpp"            // IWYU pragma: export
#include "errors.hpp"         // IWYU pragma: export
#include "hash.hpp"           // IWYU pragma: export
#include "lexeme.hpp"         // IWYU pragma: export
#include "memory_zone.hpp"    // IWYU pragma: export
#include "parallel_pipe.hpp"  // IWYU pragma: export
#include "pipeline.hpp"       // IWYU pragma: export
#include "scope.hpp"          // IWYU pragma: export
#include "string_store.hpp"   // IWYU pragma: export
#include "vocab.hpp"          // IWYU pragma: export
