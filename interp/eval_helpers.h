/* eval_helpers.h: the eval loop's out-of-line helpers (eval_helpers.c): error messages,
 * raise, with, unpacking, f-string formatting, calls with * and **, imports, the REPL echo. */
#ifndef MV_EVAL_HELPERS_H
#define MV_EVAL_HELPERS_H

#include "code.h"

Value mv_evh_unbound_local(mv_thread *t, mv_code *co, int i);
Value mv_evh_deref_name(mv_code *co, int i);
Value mv_evh_unbound_deref(mv_thread *t, mv_code *co, int i);
Value mv_evh_name_error(mv_thread *t, Value name);
Value mv_evh_mapping_get(mv_thread *t, Value m, Value name, int *err);
int mv_evh_check_exc_match_type(mv_thread *t, Value type);
bool mv_evh_exc_matches(Value exc, Value type);
int mv_evh_do_raise(mv_thread *t, Value exc, Value cause);
Value mv_evh_bind_special(mv_thread *t, Value descr, Value obj);
int mv_evh_before_with(mv_thread *t, Value mgr, Value *exit_out, Value *res_out);
Value mv_evh_build_string(mv_thread *t, Value *items, size_t n);
Value mv_evh_format_value(mv_thread *t, Value v, int flags, Value spec);
int mv_evh_unpack_sequence(mv_thread *t, Value seq, size_t n, Value *out);
int mv_evh_unpack_ex(mv_thread *t, Value seq, int before, int after, Value *out);
Value mv_evh_func_str(mv_thread *t, Value func);
int mv_evh_dict_merge(mv_thread *t, Value func, Value dict, Value other);
Value mv_evh_call_function_ex(mv_thread *t, Value func, Value args, Value kwargs);
int mv_evh_import_star(mv_thread *t, mv_frame *f, Value mod);
int mv_evh_print_expr(mv_thread *t, Value v);
Value mv_evh_make_function(mv_thread *t, mv_frame *f, int flags, Value *sp);
Value mv_evh_yield_from_send(mv_thread *t, Value recv, Value v, Value *result);
/* coroutines: GET_AITER, GET_ANEXT, BEFORE_ASYNC_WITH */
Value mv_evh_get_aiter(mv_thread *t, Value obj);
Value mv_evh_get_anext(mv_thread *t, Value aiter);
int mv_evh_before_async_with(mv_thread *t, Value mgr, Value *exit_out, Value *res_out);

#endif
