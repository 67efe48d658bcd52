// Includes every public header of lexzone: the build checks that they compile together with the project's
// warnings, and clang-tidy (`.ci/lint.sh`) analyses include/lexzone/ through this translation unit.
// Keep the list complete (`.ci/lint.sh` fails when a header under include/lexzone/ is missing here).
#include <lexzone/concepts.hpp>
#include <lexzone/config.hpp>
#include <lexzone/detail/accent_tables.hpp>
#include <lexzone/detail/arena.hpp>
#include <lexzone/detail/attribute_cache.hpp>
#include <lexzone/detail/creation_counts.hpp>
#include <lexzone/detail/entry.hpp>
#include <lexzone/detail/first_token_index.hpp>
#include <lexzone/detail/index_table.hpp>
#include <lexzone/detail/keyed_mix.hpp>
#include <lexzone/detail/layer_chain.hpp>
#include <lexzone/detail/match_compiler.hpp>
#include <lexzone/detail/match_program.hpp>
#include <lexzone/detail/msgpack_reader.hpp>
#include <lexzone/detail/permanent_memo.hpp>
#include <lexzone/detail/pipe_run.hpp>
#include <lexzone/detail/read_file.hpp>
#include <lexzone/detail/regex_tables.hpp>
#include <lexzone/detail/sanitizer.hpp>
#include <lexzone/detail/special_cases.hpp>
#include <lexzone/detail/string_layer.hpp>
#include <lexzone/detail/unicode_tables.hpp>
#include <lexzone/detail/worker_pool.hpp>
#include <lexzone/detail/zeroed_pages.hpp>
#include <lexzone/detail/zone_registry.hpp>
#include <lexzone/doc.hpp>
#include <lexzone/en.hpp>
#include <lexzone/english_tokenizer.hpp>
#include <lexzone/entity_ruler.hpp>
#include <lexzone/errors.hpp>
#include <lexzone/hash.hpp>
#include <lexzone/io/en_pipeline.hpp>
#include <lexzone/io/entity_ruler_jsonl.hpp>
#include <lexzone/io/file_error.hpp>
#include <lexzone/io/spacy_lex_file.hpp>
#include <lexzone/io/spacy_tokenizer_file.hpp>
#include <lexzone/lang/accents.hpp>
#include <lexzone/lang/base_norms.hpp>
#include <lexzone/lang/char_classes.hpp>
#include <lexzone/lang/compute_lexeme.hpp>
#include <lexzone/lang/en/lex_attrs.hpp>
#include <lexzone/lang/en/lexeme_traits.hpp>
#include <lexzone/lang/en/punctuation.hpp>
#include <lexzone/lang/en/segmenter.hpp>
#include <lexzone/lang/en/tokenizer_exceptions.hpp>
#include <lexzone/lang/lex_attrs.hpp>
#include <lexzone/lang/lexeme_traits.hpp>
#include <lexzone/lang/like_num_rule.hpp>
#include <lexzone/lang/url_match.hpp>
#include <lexzone/lexeme.hpp>
#include <lexzone/lexzone.hpp>
#include <lexzone/matcher.hpp>
#include <lexzone/matcher/pattern.hpp>
#include <lexzone/matcher/text_predicate.hpp>
#include <lexzone/memory_zone.hpp>
#include <lexzone/parallel_pipe.hpp>
#include <lexzone/pipeline.hpp>
#include <lexzone/regex/branch_analysis.hpp>
#include <lexzone/regex/char_sets.hpp>
#include <lexzone/regex/python_syntax.hpp>
#include <lexzone/regex/regex_error.hpp>
#if LEXZONE_HAVE_PCRE2  // the headers that include <pcre2.h>: built when PCRE2 is found (lexzone::regex)
#  include <lexzone/regex/pattern_regex.hpp>
#  include <lexzone/regex/pcre2_regex.hpp>
#  include <lexzone/regex/rule_segmenter.hpp>
#  include <lexzone/regex/rule_tokenizer.hpp>
#  include <lexzone/regex/tokenizer_regexes.hpp>
#endif
#include <lexzone/scope.hpp>
#include <lexzone/string_store.hpp>
#include <lexzone/tokenizer/basic_segmenter.hpp>
#include <lexzone/tokenizer/basic_tokenizer.hpp>
#include <lexzone/tokenizer/piece.hpp>
#include <lexzone/tokenizer_rules.hpp>
#include <lexzone/unicode/properties.hpp>
#include <lexzone/unicode/utf8.hpp>
#include <lexzone/vocab.hpp>
