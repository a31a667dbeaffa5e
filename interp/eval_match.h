/* eval_match.h: runtime helpers of the match statement's opcodes (eval_match.c). */
#ifndef MV_EVAL_MATCH_H
#define MV_EVAL_MATCH_H

#include "vm.h"

bool mv_match_is_sequence(Value v); /* MATCH_SEQUENCE: a Sequence, but not str/bytes/bytearray */
bool mv_match_is_mapping(Value v);  /* MATCH_MAPPING */
/* MATCH_KEYS: the tuple of subject's values for `keys` (a tuple), None if one is missing */
Value mv_match_keys(mv_thread *t, Value subject, Value keys);
/* MATCH_CLASS: the tuple of nargs positional then kwnames attributes, None if no match */
Value mv_match_class(mv_thread *t, Value subject, Value cls, int nargs, Value kwnames);

#endif
