/* eval_helpers.h: the eval loop's out-of-line helpers (eval_helpers.c): error messages,
 * raise, with, unpacking, f-string formatting, calls with * and **, imports, the REPL echo,
 * and the bodies of rarely-executed opcodes. */
#ifndef MV_EVAL_HELPERS_H
#define MV_EVAL_HELPERS_H

#include "code.h"

/* one LOAD_GLOBAL cache entry per code unit (co->cache) */
typedef struct {
    uint64_t gver, bver;
    Value value; /* borrowed from the dict: valid while the versions match */
} mv_global_cache;

/* MV_EVH_COLD marks error paths and rare opcodes: GCC then lays out and register-allocates the
 * eval loop for the hot opcodes (calls, fused compares) instead of these.  Without it, moving
 * code out of the loop cost fib.mv ~1% more instructions; with it, fewer than before.  Not for
 * helpers run once per iteration of some loop (GET_ANEXT): cold functions are compiled for size. */
#if defined(__GNUC__)
#define MV_EVH_COLD __attribute__((cold))
#else
#define MV_EVH_COLD
#endif

MV_EVH_COLD Value mv_evh_unbound_local(mv_thread *t, mv_code *co, int i);
Value mv_evh_deref_name(mv_code *co, int i);
MV_EVH_COLD Value mv_evh_unbound_deref(mv_thread *t, mv_code *co, int i);
MV_EVH_COLD Value mv_evh_name_error(mv_thread *t, Value name);
Value mv_evh_mapping_get(mv_thread *t, Value m, Value name, int *err);
int mv_evh_check_exc_match_type(mv_thread *t, Value type);
bool mv_evh_exc_matches(Value exc, Value type);
MV_EVH_COLD int mv_evh_do_raise(mv_thread *t, Value exc, Value cause);
Value mv_evh_bind_special(mv_thread *t, Value descr, Value obj);
int mv_evh_before_with(mv_thread *t, Value mgr, Value *exit_out, Value *res_out);
Value mv_evh_build_string(mv_thread *t, Value *items, size_t n);
Value mv_evh_format_value(mv_thread *t, Value v, int flags, Value spec);
int mv_evh_unpack_sequence(mv_thread *t, Value seq, size_t n, Value *out);
int mv_evh_unpack_ex(mv_thread *t, Value seq, int before, int after, Value *out);
Value mv_evh_func_str(mv_thread *t, Value func);
int mv_evh_dict_merge(mv_thread *t, Value func, Value dict, Value other);
Value mv_evh_call_function_ex(mv_thread *t, Value func, Value args, Value kwargs);
MV_EVH_COLD int mv_evh_import_star(mv_thread *t, mv_frame *f, Value mod);
MV_EVH_COLD int mv_evh_print_expr(mv_thread *t, Value v);
Value mv_evh_make_function(mv_thread *t, mv_frame *f, int flags, Value *sp);
Value mv_evh_yield_from_send(mv_thread *t, Value recv, Value v, Value *result);
/* coroutines: GET_AITER, GET_ANEXT, BEFORE_ASYNC_WITH */
MV_EVH_COLD Value mv_evh_get_aiter(mv_thread *t, Value obj);
Value mv_evh_get_anext(mv_thread *t, Value aiter);
MV_EVH_COLD int mv_evh_before_async_with(mv_thread *t, Value mgr, Value *exit_out, Value *res_out);
/* opcode bodies kept out of the loop: 0 / new reference, or -1 / NULL with the exception set */
MV_EVH_COLD int mv_evh_handle_breaker(mv_thread *t);
MV_EVH_COLD int mv_evh_check_point(mv_thread *t);
MV_EVH_COLD Value mv_evh_load_global_slow(mv_thread *t, mv_frame *f, Value name, mv_global_cache *c);
MV_EVH_COLD Value mv_evh_load_classderef(mv_thread *t, mv_frame *f, int i);
Value mv_evh_load_name(mv_thread *t, mv_frame *f, Value name);
int mv_evh_store_name(mv_thread *t, mv_frame *f, Value name, Value v);
MV_EVH_COLD int mv_evh_delete_name(mv_thread *t, mv_frame *f, Value name);
MV_EVH_COLD int mv_evh_delete_global(mv_thread *t, mv_frame *f, Value name);
Value mv_evh_build_set(mv_thread *t, Value *items, int n);
Value mv_evh_build_map(mv_thread *t, Value *items, int n);
int mv_evh_list_extend(mv_thread *t, Value list, Value it);
int mv_evh_set_update(mv_thread *t, Value set, Value src);
int mv_evh_dict_update(mv_thread *t, Value dict, Value src);
MV_EVH_COLD Value mv_evh_load_build_class(mv_thread *t, mv_frame *f);
MV_EVH_COLD int mv_evh_setup_annotations(mv_thread *t, Value locals);
MV_EVH_COLD Value mv_evh_with_except_start(mv_thread *t, Value exitf, Value exc);
MV_EVH_COLD Value mv_evh_yield_from_iter(mv_thread *t, mv_code *co, Value v);
MV_EVH_COLD bool mv_evh_end_async_for(mv_thread *t, Value exc);
MV_EVH_COLD Value mv_evh_recursion_error(mv_thread *t, bool c_deep);
MV_EVH_COLD Value mv_evh_import_name(mv_thread *t, Value name, Value fromlist, Value level);
MV_EVH_COLD void mv_evh_reraise(mv_thread *t, Value exc);
Value mv_evh_call_exit(mv_thread *t, Value exitf);
MV_EVH_COLD int mv_evh_delete_fast(mv_thread *t, mv_frame *f, int i);
MV_EVH_COLD int mv_evh_delete_deref(mv_thread *t, mv_frame *f, int i);
MV_EVH_COLD Value mv_evh_get_len(mv_thread *t, Value v);

#endif
