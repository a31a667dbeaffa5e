/* eval.c: the bytecode interpreter.  One C loop runs a chain of frames: a call of a Python
 * function pushes a frame and continues here (no C recursion), RETURN_VALUE pops back.  Dispatch
 * is computed goto (switch fallback); ip/sp live in C locals; small ints have inline fast paths;
 * LOAD_GLOBAL is cached on dict versions.  Exceptions unwind the frame's block stack (handlers
 * pushed by SETUP_FINALLY/SETUP_CLEANUP); the eval-breaker check points are the backward jumps
 * (CHECK_DISPATCH), function entry (ENTRY_DISPATCH) and CHECK_BREAKER.
 * Error paths and the bodies of rare opcodes are out of line, in eval_helpers.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abstract.h"
#include "class.h"
#include "code.h"
#include "dict.h"
#include "eval_helpers.h"
#include "eval_match.h"
#include "exc.h"
#include "func.h"
#include "gen.h"
#include "int.h"
#include "list.h"
#include "module.h"
#include "opcodes.h"
#include "range.h"
#include "set.h"
#include "str.h"
#include "tuple.h"

#if defined(__GNUC__) && !defined(MV_NO_COMPUTED_GOTO)
#define USE_COMPUTED_GOTO 1
#else
#define USE_COMPUTED_GOTO 0
#endif
/* check points are armed by patching the dispatch tables (vm.h) rather than testing the word */
#if USE_COMPUTED_GOTO && !defined(MV_NO_CHECK_POINTS)
#define CHECK_BY_TABLE 1
#else
#define CHECK_BY_TABLE 0
#endif

#define MV_C_DEPTH_LIMIT 4000

static _Thread_local mv_thread *tls_thread;
mv_thread *mv_current_thread(void) { return tls_thread; }

/* ---- frame setup for calls ---- */

static inline mv_frame *alloc_frame(mv_code *co) {
    mv_frame *f = co->zombie;
    if (f) {
        co->zombie = f->back;
    } else {
        f = mv_frame_alloc(co);
    }
    f->ob.refcnt = 1;
    f->code = co;
    f->locals = NULL;
    f->ip = co->code;
    f->lasti = -1;
    f->is_generator = false;
    f->entry = false;
    f->state = MV_FRAME_RUNNING;
    f->nblocks = 0;
    return f;
}

/* Release a function frame that returned (the stack is already empty above the cells). */
static inline void release_call_frame(mv_frame *f) {
    mv_code *co = f->code;
    Value *p = f->localsplus, *end = f->sp;
    for (; p < end; p++) MV_XDECREF(*p);
    Value func = f->func;
    f->back = co->zombie;
    co->zombie = f;
    MV_DECREF(func); /* last: it may free the code, and the frame with it */
}

/* ---- the loop ---- */

static int truth_steal(mv_thread *t, Value v) {
    int b = mv_truthy(t, v);
    MV_DECREF(v);
    return b;
}

Value mv_eval_frame(mv_thread *t, mv_frame *f) { return mv_eval_frame_ex(t, f, 0); }

void mv_eval_init(void) { (void)mv_eval_frame_ex(NULL, NULL, 0); }

Value mv_eval_frame_ex(mv_thread *t, mv_frame *f, int throwflag) {
#if USE_COMPUTED_GOTO
    /* the live dispatch table: arming the check points patches its backward jumps (vm.h) */
    static void *targets[MV_NUM_OPCODES] = {
#define OP(name, operand, effect) [OP_##name] = &&L_##name,
#include "opcodes.def"
#undef OP
    };
#if CHECK_BY_TABLE
    /* the same, never patched: where the check handlers go on */
    static void *const plain_targets[MV_NUM_OPCODES] = {
#define OP(name, operand, effect) [OP_##name] = &&L_##name,
#include "opcodes.def"
#undef OP
    };
    /* function entry's armed table: every opcode goes to its handler */
    static void *entry_checks[MV_NUM_OPCODES] = {[0 ... MV_NUM_OPCODES - 1] = &&check_entry};
#endif
    if (!f) { /* mv_eval_init: publish the check points' patches (once per process) */
#if CHECK_BY_TABLE
        if (atomic_load(&mv_check_npatches)) return NULL;
        static const unsigned char backward_jumps[] = {
            OP_JUMP_BACKWARD, OP_POP_JUMP_BACKWARD_IF_FALSE, OP_POP_JUMP_BACKWARD_IF_TRUE,
            OP_COMPARE_JUMP_BACKWARD_IF_FALSE, OP_COMPARE_JUMP_BACKWARD_IF_TRUE};
        _Static_assert(sizeof backward_jumps + 1 <= MV_CHECK_MAX_PATCHES, "room for the patches");
        int n = 0;
        mv_check_targets = targets;
        mv_check_patches[n++] = (mv_check_patch){&mv_check_targets, targets, entry_checks};
        for (size_t i = 0; i < sizeof backward_jumps; i++) {
            unsigned char op = backward_jumps[i];
            mv_check_patches[n++] = (mv_check_patch){&targets[op], plain_targets[op], &&check_jump};
        }
        atomic_store_explicit(&mv_check_npatches, n, memory_order_release);
        if (atomic_load(&mv_eval_breaker)) mv_check_arm();
#endif
        return NULL;
    }
#else
    if (!f) return NULL;
#endif
    mv_vm *vm = t->vm;
    tls_thread = t;
    if (t->c_depth >= MV_C_DEPTH_LIMIT || t->depth + 1 > vm->recursion_limit)
        return mv_evh_recursion_error(t, t->c_depth >= MV_C_DEPTH_LIMIT);
    t->c_depth++;
    t->depth++;
    f->back = t->frame;
    t->frame = f;
    f->entry = true;
    f->state = MV_FRAME_RUNNING;

    mv_code *co;
    const mv_codeunit *ip;
    Value *sp, *fast, *consts;
    Value retval = NULL;
    Value kwnames = NULL;
    unsigned word;
    int oparg;

#define LOAD_FRAME()                                                                               \
    do {                                                                                           \
        co = f->code;                                                                              \
        ip = f->ip;                                                                                \
        sp = f->sp;                                                                                \
        fast = f->localsplus;                                                                      \
        consts = mv_tuple_items(co->consts);                                                       \
    } while (0)
#define NAME(i) MV_TUPLE_GET(co->names, (i))
/* the truth of a popped value, consuming it: bools need no call and no refcount */
#define POP_TRUTH(v) ((v) == MV_FALSE ? 0 : (v) == MV_TRUE ? 1 : truth_steal(t, (v)))
#define PUSH(v) (*sp++ = (v))
#define POP() (*--sp)
#define TOP() (sp[-1])
#define SECOND() (sp[-2])
#define THIRD() (sp[-3])
#define SAVE_LASTI() (f->lasti = (int)(ip - co->code) - 1)
/* push local i (a new reference), or raise UnboundLocalError */
#define PUSH_FAST(i)                                                                               \
    do {                                                                                           \
        Value v_ = fast[i];                                                                        \
        if (__builtin_expect(!v_, 0)) {                                                            \
            mv_evh_unbound_local(t, co, (int)(i));                                                 \
            goto error;                                                                            \
        }                                                                                          \
        MV_INCREF(v_);                                                                             \
        PUSH(v_);                                                                                  \
    } while (0)
/* jump to code index `to`: JUMP_DISPATCH is DISPATCH-like (CHECK_DISPATCH for the backward
   jumps, whose traceback points after the jump) */
#define JUMP_TO(to, JUMP_DISPATCH)                                                                 \
    do {                                                                                           \
        const mv_codeunit *at_ = ip;                                                               \
        (void)at_;                                                                                 \
        ip = co->code + (to);                                                                      \
        JUMP_DISPATCH(at_);                                                                        \
    } while (0)
/* The check points.  The hot ones close loops (CHECK_DISPATCH(at) in the backward jumps, `at`
   the ip a traceback raised there points after) and enter functions (ENTRY_DISPATCH()).  With
   computed goto they cost nothing and one load: arming patches the dispatch tables (vm.h), and
   the handlers are check_jump and check_entry below.  Elsewhere they test the breaker word.
   CHECK_BREAKER() always tests the word in place (the end of a for loop, after a call that was
   not inlined). */
#ifdef MV_NO_CHECK_POINTS
    /* measurement build only (meson -Dcheck_points=false): no GIL hand-off, no Ctrl-C, so that
       bench/run.py can show what the check points cost a single thread */
#define CHECK_BREAKER() ((void)0)
#define CHECK_DISPATCH(at) DISPATCH()
#define ENTRY_DISPATCH() DISPATCH()
#else
#define CHECK_BREAKER()                                                                            \
    do {                                                                                           \
        if (atomic_load_explicit(&mv_eval_breaker, memory_order_relaxed) &&                       \
            mv_evh_handle_breaker(t) < 0)                                                          \
            goto error;                                                                            \
    } while (0)
#if CHECK_BY_TABLE
#define CHECK_DISPATCH(at) DISPATCH()
#define ENTRY_DISPATCH()                                                                           \
    do {                                                                                           \
        word = *ip++;                                                                              \
        oparg = (int)(word >> 8);                                                                  \
        goto *((void **)__atomic_load_n(&mv_check_targets, __ATOMIC_RELAXED))[word & 0xff];       \
    } while (0)
#else
#define CHECK_DISPATCH(at)                                                                         \
    do {                                                                                           \
        if (atomic_load_explicit(&mv_eval_breaker, memory_order_relaxed)) {                       \
            const mv_codeunit *to_ = ip;                                                           \
            ip = (at);                                                                             \
            if (mv_evh_handle_breaker(t) < 0) goto error;                                          \
            ip = to_;                                                                              \
        }                                                                                          \
        DISPATCH();                                                                                \
    } while (0)
#define ENTRY_DISPATCH() CHECK_DISPATCH(ip)
#endif
#endif

    LOAD_FRAME();
    if (throwflag) {
        /* the exception appears at the suspended yield */
        f->lasti = (int)(ip - co->code) - ((*ip & 0xff) == OP_YIELD_FROM ? 0 : 1);
        mv_exc_add_traceback(t, t->curexc, f);
        goto exception_unwind;
    }

#if USE_COMPUTED_GOTO
#define TARGET(name) L_##name:
#if defined(__SANITIZE_THREAD__)
/* other threads patch the table (vm.h): tell ThreadSanitizer these loads are atomic (the same
   plain load on every machine we build for) */
#define LIVE_TARGET(op) __atomic_load_n(&targets[op], __ATOMIC_RELAXED)
#else
#define LIVE_TARGET(op) targets[op]
#endif
#define DISPATCH()                                                                                 \
    do {                                                                                           \
        word = *ip++;                                                                              \
        oparg = (int)(word >> 8);                                                                  \
        goto *LIVE_TARGET(word & 0xff);                                                            \
    } while (0)
#define DISPATCH_OPCODE(op) goto *LIVE_TARGET(op)
    DISPATCH();
#else
#define TARGET(name) case OP_##name:
#define DISPATCH() goto dispatch
#define DISPATCH_OPCODE(op) do { opcode = (op); goto dispatch_opcode; } while (0)
    unsigned opcode;
dispatch:
    word = *ip++;
    oparg = (int)(word >> 8);
    opcode = word & 0xff;
dispatch_opcode:
    switch (opcode) {
#endif

    TARGET(NOP) { DISPATCH(); }

    TARGET(EXTENDED_ARG) {
        word = *ip++;
        oparg = (oparg << 8) | (int)(word >> 8);
        DISPATCH_OPCODE(word & 0xff);
    }

    TARGET(POP_TOP) {
        Value v = POP();
        SAVE_LASTI(); /* a dying object may want the current line (never-awaited coroutine warning) */
        MV_XDECREF(v);
        DISPATCH();
    }

    TARGET(ROT_TWO) {
        Value a = TOP();
        sp[-1] = sp[-2];
        sp[-2] = a;
        DISPATCH();
    }

    TARGET(ROT_THREE) {
        Value a = TOP();
        sp[-1] = sp[-2];
        sp[-2] = sp[-3];
        sp[-3] = a;
        DISPATCH();
    }

    TARGET(ROT_FOUR) {
        Value a = TOP();
        sp[-1] = sp[-2];
        sp[-2] = sp[-3];
        sp[-3] = sp[-4];
        sp[-4] = a;
        DISPATCH();
    }

    TARGET(DUP_TOP) {
        Value v = TOP();
        MV_INCREF(v);
        PUSH(v);
        DISPATCH();
    }

    TARGET(DUP_TOP_TWO) {
        Value a = SECOND(), b = TOP();
        MV_INCREF(a);
        MV_INCREF(b);
        PUSH(a);
        PUSH(b);
        DISPATCH();
    }

    TARGET(SWAP) {
        Value a = sp[-1];
        sp[-1] = sp[-oparg];
        sp[-oparg] = a;
        DISPATCH();
    }

    TARGET(COPY) {
        Value v = sp[-oparg];
        MV_INCREF(v);
        PUSH(v);
        DISPATCH();
    }

    TARGET(LOAD_CONST) {
        Value v = consts[oparg];
        MV_INCREF(v);
        PUSH(v);
        DISPATCH();
    }

    TARGET(LOAD_FAST) {
        PUSH_FAST(oparg);
        DISPATCH();
    }

    TARGET(STORE_FAST) {
        Value old = fast[oparg];
        fast[oparg] = POP();
        MV_XDECREF(old);
        DISPATCH();
    }

    TARGET(DELETE_FAST) {
        SAVE_LASTI();
        if (mv_evh_delete_fast(t, f, oparg) < 0) goto error;
        DISPATCH();
    }

    TARGET(LOAD_DEREF) {
        mv_cell *cell = (mv_cell *)fast[co->nlocals + oparg];
        Value v = cell->ref;
        if (!v) {
            mv_evh_unbound_deref(t, co, oparg);
            goto error;
        }
        MV_INCREF(v);
        PUSH(v);
        DISPATCH();
    }

    TARGET(STORE_DEREF) {
        mv_cell *cell = (mv_cell *)fast[co->nlocals + oparg];
        Value old = cell->ref;
        cell->ref = POP();
        MV_XDECREF(old);
        DISPATCH();
    }

    TARGET(DELETE_DEREF) {
        if (mv_evh_delete_deref(t, f, oparg) < 0) goto error;
        DISPATCH();
    }

    TARGET(LOAD_CLOSURE) {
        Value cell = fast[co->nlocals + oparg];
        MV_INCREF(cell);
        PUSH(cell);
        DISPATCH();
    }

    TARGET(LOAD_CLASSDEREF) {
        Value v = mv_evh_load_classderef(t, f, oparg);
        if (!v) goto error;
        PUSH(v);
        DISPATCH();
    }

    TARGET(LOAD_NAME) {
        Value v = mv_evh_load_name(t, f, NAME(oparg));
        if (!v) goto error;
        PUSH(v);
        DISPATCH();
    }

    TARGET(STORE_NAME) {
        SAVE_LASTI();
        Value v = POP();
        int rc = mv_evh_store_name(t, f, NAME(oparg), v);
        MV_DECREF(v);
        if (rc < 0) goto error;
        DISPATCH();
    }

    TARGET(DELETE_NAME) {
        SAVE_LASTI();
        if (mv_evh_delete_name(t, f, NAME(oparg)) < 0) goto error;
        DISPATCH();
    }

    TARGET(LOAD_GLOBAL) {
        mv_global_cache *gc = co->cache;
        if (__builtin_expect(!gc, 0)) gc = co->cache = mv_calloc(co->ncode, sizeof(mv_global_cache));
        gc += (ip - co->code) - 1;
        Value v;
        if (gc->value && gc->gver == ((mv_dict *)f->globals)->version &&
            gc->bver == ((mv_dict *)f->builtins)->version) {
            v = gc->value;
            MV_INCREF(v);
        } else {
            v = mv_evh_load_global_slow(t, f, NAME(oparg), gc);
            if (!v) goto error;
        }
        PUSH(v);
        DISPATCH();
    }

    TARGET(STORE_GLOBAL) {
        Value v = POP();
        SAVE_LASTI();
        int rc = mv_dict_set(t, f->globals, NAME(oparg), v);
        MV_DECREF(v);
        if (rc < 0) goto error;
        DISPATCH();
    }

    TARGET(DELETE_GLOBAL) {
        SAVE_LASTI();
        if (mv_evh_delete_global(t, f, NAME(oparg)) < 0) goto error;
        DISPATCH();
    }

    TARGET(LOAD_ATTR) {
        Value obj = TOP();
        Value v = mv_getattr(t, obj, NAME(oparg));
        if (!v) goto error;
        MV_DECREF(obj);
        sp[-1] = v;
        DISPATCH();
    }

    TARGET(STORE_ATTR) {
        Value obj = TOP(), v = SECOND();
        int rc = mv_setattr(t, obj, NAME(oparg), v);
        if (rc < 0) goto error;
        sp -= 2;
        MV_DECREF(obj);
        MV_DECREF(v);
        DISPATCH();
    }

    TARGET(DELETE_ATTR) {
        Value obj = TOP();
        int rc = mv_setattr(t, obj, NAME(oparg), NULL);
        if (rc < 0) goto error;
        sp--;
        MV_DECREF(obj);
        DISPATCH();
    }

    TARGET(LOAD_METHOD) {
        Value obj = TOP();
        Value meth;
        int r = mv_get_method(t, obj, NAME(oparg), &meth);
        if (r < 0) goto error;
        if (r) {
            sp[-1] = meth;
            PUSH(obj);
        } else {
            MV_DECREF(obj);
            sp[-1] = NULL;
            PUSH(meth);
        }
        DISPATCH();
    }

    TARGET(BINARY_SUBSCR) {
        Value key = TOP(), obj = SECOND();
        Value v;
        if (MV_IS_SMALL(key) && !MV_IS_SMALL(obj) && obj->type == &mv_list_type) {
            intptr_t i = MV_SMALL_VAL(key);
            size_t n = mv_list_size(obj);
            if (i < 0) i += (intptr_t)n;
            if (i >= 0 && (size_t)i < n) {
                v = MV_LIST_GET(obj, i);
                MV_INCREF(v);
                goto subscr_done;
            }
        } else if (MV_IS_SMALL(key) && !MV_IS_SMALL(obj) && obj->type == &mv_tuple_type) {
            intptr_t i = MV_SMALL_VAL(key);
            size_t n = mv_tuple_size(obj);
            if (i < 0) i += (intptr_t)n;
            if (i >= 0 && (size_t)i < n) {
                v = MV_TUPLE_GET(obj, i);
                MV_INCREF(v);
                goto subscr_done;
            }
        }
        v = mv_getitem(t, obj, key);
        if (!v) goto error;
    subscr_done:
        sp--;
        MV_DECREF(key);
        MV_DECREF(obj);
        sp[-1] = v;
        DISPATCH();
    }

    TARGET(STORE_SUBSCR) {
        Value key = TOP(), obj = SECOND(), v = THIRD();
        if (MV_IS_SMALL(key) && !MV_IS_SMALL(obj) && obj->type == &mv_list_type) {
            intptr_t i = MV_SMALL_VAL(key);
            size_t n = mv_list_size(obj);
            if (i < 0) i += (intptr_t)n;
            if (i >= 0 && (size_t)i < n) {
                Value old = MV_LIST_GET(obj, i);
                ((mv_list *)obj)->items[i] = v;
                MV_DECREF(old);
                sp -= 3;
                MV_DECREF(obj);
                DISPATCH();
            }
        }
        if (mv_setitem(t, obj, key, v) < 0) goto error;
        sp -= 3;
        MV_DECREF(key);
        MV_DECREF(obj);
        MV_DECREF(v);
        DISPATCH();
    }

    TARGET(DELETE_SUBSCR) {
        Value key = TOP(), obj = SECOND();
        if (mv_delitem(t, obj, key) < 0) goto error;
        sp -= 2;
        MV_DECREF(key);
        MV_DECREF(obj);
        DISPATCH();
    }

    TARGET(BINARY_OP) {
        Value r = TOP(), l = SECOND();
        Value res;
        if (((uintptr_t)l & (uintptr_t)r & 1u)) {
            intptr_t a = (intptr_t)l, b = (intptr_t)r, x;
            switch (oparg & 15) {
            case MV_BINOP_ADD:
                if (!__builtin_add_overflow(a, b - 1, &x)) {
                    res = (Value)x;
                    goto binop_small;
                }
                break;
            case MV_BINOP_SUB:
                if (!__builtin_sub_overflow(a, b - 1, &x)) {
                    res = (Value)x;
                    goto binop_small;
                }
                break;
            case MV_BINOP_MUL:
                if (!__builtin_mul_overflow(a >> 1, b - 1, &x)) {
                    res = (Value)(x | 1);
                    goto binop_small;
                }
                break;
            case MV_BINOP_AND: res = (Value)(a & b); goto binop_small;
            case MV_BINOP_OR: res = (Value)(a | b); goto binop_small;
            case MV_BINOP_XOR: res = (Value)((a ^ b) | 1); goto binop_small;
            case MV_BINOP_FLOORDIV:
            case MV_BINOP_MOD: {
                intptr_t av = a >> 1, bv = b >> 1;
                if (bv == 0 || (av == MV_SMALL_MIN && bv == -1)) break;
                intptr_t q = av / bv, m = av % bv;
                if (m && ((m ^ bv) < 0)) {
                    m += bv;
                    q--;
                }
                res = MV_FROM_SMALL((oparg & 15) == MV_BINOP_MOD ? m : q);
                goto binop_small;
            }
            default: break;
            }
        }
        res = mv_binary_op(t, l, r, oparg);
        if (!res) goto error;
        MV_DECREF(l);
        MV_DECREF(r);
    binop_small:
        sp--;
        sp[-1] = res;
        DISPATCH();
    }

    TARGET(UNARY_NEGATIVE) {
        Value v = TOP();
        Value r;
        if (MV_IS_SMALL(v) && MV_SMALL_VAL(v) != MV_SMALL_MIN) {
            r = MV_FROM_SMALL(-MV_SMALL_VAL(v));
        } else {
            r = mv_unary_neg(t, v);
            if (!r) goto error;
            MV_DECREF(v);
        }
        sp[-1] = r;
        DISPATCH();
    }

    TARGET(UNARY_POSITIVE) {
        Value v = TOP();
        Value r = mv_unary_pos(t, v);
        if (!r) goto error;
        MV_DECREF(v);
        sp[-1] = r;
        DISPATCH();
    }

    TARGET(UNARY_INVERT) {
        Value v = TOP();
        Value r;
        if (MV_IS_SMALL(v)) {
            r = MV_FROM_SMALL(~MV_SMALL_VAL(v));
        } else {
            r = mv_unary_invert(t, v);
            if (!r) goto error;
            MV_DECREF(v);
        }
        sp[-1] = r;
        DISPATCH();
    }

    TARGET(UNARY_NOT) {
        Value v = TOP();
        int b;
        if (v == MV_TRUE) b = 1;
        else if (v == MV_FALSE || v == MV_NONE) b = 0;
        else {
            b = mv_truthy(t, v);
            if (b < 0) goto error;
        }
        MV_DECREF(v);
        sp[-1] = b ? MV_FALSE : MV_TRUE;
        DISPATCH();
    }

    TARGET(COMPARE_OP) {
        Value r = TOP(), l = SECOND();
        Value res;
        if (((uintptr_t)l & (uintptr_t)r & 1u)) {
            intptr_t a = (intptr_t)l, b = (intptr_t)r;
            bool c;
            switch (oparg) {
            case MV_LT: c = a < b; break;
            case MV_LE: c = a <= b; break;
            case MV_EQ: c = a == b; break;
            case MV_NE: c = a != b; break;
            case MV_GT: c = a > b; break;
            default: c = a >= b; break;
            }
            res = c ? MV_TRUE : MV_FALSE;
        } else {
            res = mv_richcompare(t, l, r, oparg);
            if (!res) goto error;
            MV_DECREF(l);
            MV_DECREF(r);
        }
        sp--;
        sp[-1] = res;
        DISPATCH();
    }

    TARGET(IS_OP) {
        Value r = POP(), l = TOP();
        bool c = (l == r) ^ (oparg != 0);
        MV_DECREF(l);
        MV_DECREF(r);
        sp[-1] = c ? MV_TRUE : MV_FALSE;
        DISPATCH();
    }

    TARGET(CONTAINS_OP) {
        Value container = TOP(), item = SECOND();
        int c = mv_contains(t, container, item);
        if (c < 0) goto error;
        sp--;
        MV_DECREF(container);
        MV_DECREF(item);
        sp[-1] = (c ^ oparg) ? MV_TRUE : MV_FALSE;
        DISPATCH();
    }

    TARGET(JUMP) {
        ip = co->code + oparg;
        DISPATCH();
    }

    TARGET(JUMP_BACKWARD) JUMP_TO(oparg, CHECK_DISPATCH);

    /* the conditional jumps: pop, test, jump when the truth is `when`; the *_BACKWARD twins
       close loops and are check points */
#define POP_JUMP(when, JUMP_DISPATCH)                                                              \
    do {                                                                                           \
        Value v = POP();                                                                           \
        int b = POP_TRUTH(v);                                                                      \
        if (b < 0) goto error;                                                                     \
        if (!b == !(when)) JUMP_TO(oparg, JUMP_DISPATCH);                                          \
        DISPATCH();                                                                                \
    } while (0)
#define PLAIN_DISPATCH(at) DISPATCH()

    TARGET(POP_JUMP_IF_FALSE) POP_JUMP(0, PLAIN_DISPATCH);
    TARGET(POP_JUMP_IF_TRUE) POP_JUMP(1, PLAIN_DISPATCH);
    TARGET(POP_JUMP_BACKWARD_IF_FALSE) POP_JUMP(0, CHECK_DISPATCH);
    TARGET(POP_JUMP_BACKWARD_IF_TRUE) POP_JUMP(1, CHECK_DISPATCH);

    TARGET(JUMP_IF_FALSE_OR_POP) {
        Value v = TOP();
        int b = v == MV_TRUE ? 1 : v == MV_FALSE ? 0 : mv_truthy(t, v);
        if (b < 0) goto error;
        if (!b) {
            ip = co->code + oparg;
        } else {
            sp--;
            MV_DECREF(v);
        }
        DISPATCH();
    }

    TARGET(JUMP_IF_TRUE_OR_POP) {
        Value v = TOP();
        int b = v == MV_TRUE ? 1 : v == MV_FALSE ? 0 : mv_truthy(t, v);
        if (b < 0) goto error;
        if (b) {
            ip = co->code + oparg;
        } else {
            sp--;
            MV_DECREF(v);
        }
        DISPATCH();
    }

    TARGET(GET_ITER) {
        Value v = TOP();
        Value it = mv_iter(t, v);
        if (!it) goto error;
        MV_DECREF(v);
        sp[-1] = it;
        DISPATCH();
    }

    TARGET(FOR_ITER) {
        Value it = TOP();
        mv_type *tp = MV_TYPE(it);
        Value v = tp->iternext ? tp->iternext(t, it) : mv_next(t, it);
        if (v) {
            PUSH(v);
            DISPATCH();
        }
        if (mv_err_occurred(t)) {
            if (!mv_err_matches(t, &mv_exc_StopIteration)) goto error;
            mv_err_clear(t);
        }
        sp--;
        MV_DECREF(it);
        ip = co->code + oparg;
        CHECK_BREAKER();
        DISPATCH();
    }

    TARGET(RETURN_VALUE) {
        retval = POP();
        if (f->entry) goto exit_return;
        mv_frame *back = f->back;
        f->sp = sp;
        release_call_frame(f);
        t->frame = back;
        t->depth--;
        f = back;
        LOAD_FRAME();
        PUSH(retval);
        DISPATCH();
    }

    TARGET(BUILD_TUPLE) {
        Value tup = mv_tuple_new((size_t)oparg);
        for (int i = oparg - 1; i >= 0; i--) MV_TUPLE_SET(tup, i, POP());
        PUSH(tup);
        DISPATCH();
    }

    TARGET(BUILD_LIST) {
        Value list = mv_list_new((size_t)oparg);
        for (int i = oparg - 1; i >= 0; i--) MV_LIST_SET(list, i, POP());
        PUSH(list);
        DISPATCH();
    }

    TARGET(BUILD_SET) {
        Value set = mv_evh_build_set(t, sp - oparg, oparg);
        sp -= oparg;
        if (!set) goto error;
        PUSH(set);
        DISPATCH();
    }

    TARGET(BUILD_MAP) {
        Value d = mv_evh_build_map(t, sp - 2 * oparg, oparg);
        sp -= 2 * oparg;
        if (!d) goto error;
        PUSH(d);
        DISPATCH();
    }

    TARGET(BUILD_STRING) {
        Value s = mv_evh_build_string(t, sp - oparg, (size_t)oparg);
        sp -= oparg;
        if (!s) goto error;
        PUSH(s);
        DISPATCH();
    }

    TARGET(BUILD_SLICE) {
        Value step = oparg == 3 ? POP() : NULL;
        Value stop = POP(), start = TOP();
        Value s = mv_slice_new(start, stop, step);
        MV_DECREF(start);
        MV_DECREF(stop);
        MV_XDECREF(step);
        sp[-1] = s;
        DISPATCH();
    }

    TARGET(LIST_APPEND) {
        Value v = POP();
        mv_list_append_steal(sp[-oparg], v);
        DISPATCH();
    }

    TARGET(SET_ADD) {
        Value v = POP();
        int rc = mv_set_add(t, sp[-oparg], v);
        MV_DECREF(v);
        if (rc < 0) goto error;
        DISPATCH();
    }

    TARGET(MAP_ADD) {
        Value v = POP(), k = POP();
        int rc = mv_dict_set(t, sp[-oparg], k, v);
        MV_DECREF(k);
        MV_DECREF(v);
        if (rc < 0) goto error;
        DISPATCH();
    }

    TARGET(LIST_EXTEND) {
        Value it = TOP();
        if (mv_evh_list_extend(t, sp[-1 - oparg], it) < 0) goto error;
        sp--;
        MV_DECREF(it);
        DISPATCH();
    }

    TARGET(SET_UPDATE) {
        Value src = TOP();
        if (mv_evh_set_update(t, sp[-1 - oparg], src) < 0) goto error;
        sp--;
        MV_DECREF(src);
        DISPATCH();
    }

    TARGET(DICT_UPDATE) {
        Value src = TOP();
        if (mv_evh_dict_update(t, sp[-1 - oparg], src) < 0) goto error;
        sp--;
        MV_DECREF(src);
        DISPATCH();
    }

    TARGET(DICT_MERGE) {
        Value src = TOP();
        if (mv_evh_dict_merge(t, sp[-oparg - 3], sp[-1 - oparg], src) < 0) goto error;
        sp--;
        MV_DECREF(src);
        DISPATCH();
    }

    TARGET(LIST_TO_TUPLE) {
        Value list = TOP();
        Value tup = mv_tuple_from_array(mv_list_items(list), mv_list_size(list));
        MV_DECREF(list);
        sp[-1] = tup;
        DISPATCH();
    }

    TARGET(UNPACK_SEQUENCE) {
        Value seq = TOP();
        if (mv_evh_unpack_sequence(t, seq, (size_t)oparg, sp - 1) < 0) goto error;
        MV_DECREF(seq);
        sp += oparg - 1;
        DISPATCH();
    }

    TARGET(UNPACK_EX) {
        Value seq = TOP();
        int before = oparg & 0xff, after = oparg >> 8;
        if (mv_evh_unpack_ex(t, seq, before, after, sp - 1) < 0) goto error;
        MV_DECREF(seq);
        sp += before + after;
        DISPATCH();
    }

    TARGET(FORMAT_VALUE) {
        Value spec = (oparg & 4) ? POP() : NULL;
        Value v = TOP();
        Value r = mv_evh_format_value(t, v, oparg, spec);
        MV_XDECREF(spec);
        if (!r) goto error;
        MV_DECREF(v);
        sp[-1] = r;
        DISPATCH();
    }

    TARGET(KW_NAMES) {
        kwnames = consts[oparg];
        DISPATCH();
    }

    {
        /* the shared call sequence: `bottom` .. sp hold the references to release; `callable`,
           `args`/`nargs` (positional count) and `kw` describe the call */
        Value *bottom, *args, callable, kw;
        size_t nargs;

    TARGET(CALL_METHOD) {
        bottom = sp - oparg - 2;
        if (bottom[0]) {
            callable = bottom[0];
            args = bottom + 1;
            nargs = (size_t)oparg + 1;
        } else {
            callable = bottom[1];
            args = bottom + 2;
            nargs = (size_t)oparg;
        }
        goto do_call;
    }

    TARGET(CALL) {
        bottom = sp - oparg - 1;
        callable = bottom[0];
        args = bottom + 1;
        nargs = (size_t)oparg;
    do_call:
        kw = kwnames;
        kwnames = NULL;
        if (kw) nargs -= mv_tuple_size(kw);
        if (!MV_IS_SMALL(callable) && callable->type == &mv_func_type) {
            mv_func *fn = (mv_func *)callable;
            mv_code *nco = fn->code;
            if (!(nco->flags & (MV_CO_GENERATOR | MV_CO_COROUTINE | MV_CO_ASYNC_GENERATOR))) {
                if (t->depth >= vm->recursion_limit) {
                    mv_err_set(t, &mv_exc_RecursionError, "maximum recursion depth exceeded");
                    goto call_error;
                }
                mv_frame *nf = alloc_frame(nco);
                nf->func = callable;
                MV_INCREF(callable);
                nf->globals = fn->globals;
                nf->builtins = fn->builtins;
                Value *nfast = nf->localsplus;
                int nslots = nco->nlocals + nco->ncells + nco->nfrees;
                if (!kw && (int)nargs == nco->argcount &&
                    !(nco->flags & (MV_CO_VARARGS | MV_CO_VARKEYWORDS)) && nco->kwonlyargcount == 0) {
                    /* exact positional call: move the arguments */
                    for (size_t i = 0; i < nargs; i++) nfast[i] = args[i];
                    for (int i = (int)nargs; i < nslots; i++) nfast[i] = NULL;
                    nf->sp = nfast + nslots;
                    if (nco->ncells | nco->nfrees) mv_func_init_cells(fn, nf);
                    /* release the rest of the call sequence (callable slots) */
                    for (Value *p = bottom; p < args; p++) MV_XDECREF(*p);
                } else {
                    for (int i = 0; i < nslots; i++) nfast[i] = NULL;
                    nf->sp = nfast + nslots;
                    if (mv_func_bind_args(t, fn, nf, args, nargs, kw) < 0) {
                        nf->back = NULL;
                        mv_frame_clear(nf);
                        release_call_frame(nf);
                        goto call_error;
                    }
                    if (nco->ncells | nco->nfrees) mv_func_init_cells(fn, nf);
                    while (sp > bottom) {
                        Value v = POP();
                        MV_XDECREF(v);
                    }
                }
                sp = bottom;
                f->ip = ip;
                f->sp = sp;
                nf->back = f;
                t->frame = nf;
                t->depth++;
                f = nf;
                LOAD_FRAME();
                ENTRY_DISPATCH();
            }
        }
        {
            Value res = mv_call(t, callable, args, nargs, kw);
            while (sp > bottom) {
                Value v = POP();
                MV_XDECREF(v);
            }
            if (!res) goto error;
            PUSH(res);
            /* as CPython's CALL: a signal or drop request that came during a long C call is
               served here, at the call's line, not at some later check point */
            CHECK_BREAKER();
            DISPATCH();
        }
    call_error:
        while (sp > bottom) {
            Value v = POP();
            MV_XDECREF(v);
        }
        goto error;
    }
    }

    TARGET(CALL_FUNCTION_EX) {
        Value kwargs = (oparg & 1) ? POP() : NULL;
        Value cargs = POP();
        Value func = TOP();
        Value res = mv_evh_call_function_ex(t, func, cargs, kwargs);
        MV_XDECREF(kwargs);
        MV_DECREF(cargs);
        if (!res) goto error;
        MV_DECREF(func);
        sp[-1] = res;
        CHECK_BREAKER();
        DISPATCH();
    }

    TARGET(MAKE_FUNCTION) {
        Value fn = mv_evh_make_function(t, f, oparg, sp);
        if (!fn) goto error;
        sp -= 1 + __builtin_popcount((unsigned)oparg & 15);
        PUSH(fn);
        DISPATCH();
    }

    TARGET(LOAD_BUILD_CLASS) {
        Value bc = mv_evh_load_build_class(t, f);
        if (!bc) goto error;
        PUSH(bc);
        DISPATCH();
    }

    TARGET(IMPORT_NAME) {
        Value fromlist = POP(), level = TOP();
        Value m = mv_evh_import_name(t, NAME(oparg), fromlist, level);
        MV_DECREF(fromlist);
        if (!m) goto error;
        MV_DECREF(level);
        sp[-1] = m;
        DISPATCH();
    }

    TARGET(IMPORT_FROM) {
        Value v = mv_import_from(t, TOP(), NAME(oparg));
        if (!v) goto error;
        PUSH(v);
        DISPATCH();
    }

    TARGET(IMPORT_STAR) {
        Value m = TOP();
        if (mv_evh_import_star(t, f, m) < 0) goto error;
        sp--;
        MV_DECREF(m);
        DISPATCH();
    }

    TARGET(SETUP_FINALLY) {
        int n = f->nblocks++;
        f->blocks[n].type = 0;
        f->blocks[n].handler = oparg;
        f->blocks[n].level = (int)(sp - mv_frame_stack_base(f));
        DISPATCH();
    }

    TARGET(SETUP_CLEANUP) {
        int n = f->nblocks++;
        f->blocks[n].type = 1;
        f->blocks[n].handler = oparg;
        f->blocks[n].level = (int)(sp - mv_frame_stack_base(f)) - 1;
        DISPATCH();
    }

    TARGET(POP_BLOCK) {
        f->nblocks--;
        DISPATCH();
    }

    TARGET(PUSH_EXC_INFO) {
        Value exc = TOP();
        Value prev = t->handled;
        MV_INCREF(exc);
        t->handled = exc;
        sp[-1] = prev ? prev : MV_NONE;
        PUSH(exc);
        DISPATCH();
    }

    TARGET(POP_EXCEPT) {
        Value prev = POP();
        Value old = t->handled;
        t->handled = prev == MV_NONE ? NULL : prev;
        MV_XDECREF(old);
        DISPATCH();
    }

    TARGET(POP_EXCEPT_AND_RERAISE) {
        Value exc = POP();
        Value prev = POP();
        Value old = t->handled;
        t->handled = prev == MV_NONE ? NULL : prev;
        MV_XDECREF(old);
        mv_evh_reraise(t, exc);
        goto exception_unwind;
    }

    TARGET(RERAISE) {
        Value exc = POP();
        mv_evh_reraise(t, exc);
        goto exception_unwind;
    }

    TARGET(CHECK_EXC_MATCH) {
        Value type = TOP(), exc = SECOND();
        if (mv_evh_check_exc_match_type(t, type) < 0) goto error;
        bool m = mv_evh_exc_matches(exc, type);
        MV_DECREF(type);
        sp[-1] = m ? MV_TRUE : MV_FALSE;
        DISPATCH();
    }

    TARGET(RAISE_VARARGS) {
        Value cause = oparg == 2 ? POP() : NULL;
        Value exc = oparg >= 1 ? POP() : NULL;
        int re = mv_evh_do_raise(t, exc, cause);
        MV_XDECREF(exc);
        MV_XDECREF(cause);
        if (re) goto exception_unwind;
        goto error;
    }

    TARGET(BEFORE_WITH) {
        Value mgr = TOP();
        Value exitf, res;
        if (mv_evh_before_with(t, mgr, &exitf, &res) < 0) goto error;
        MV_DECREF(mgr);
        sp[-1] = exitf;
        PUSH(res);
        DISPATCH();
    }

    TARGET(WITH_EXCEPT_START) {
        Value res = mv_evh_with_except_start(t, THIRD(), TOP());
        if (!res) goto error;
        PUSH(res);
        DISPATCH();
    }

    TARGET(CALL_EXIT) {
        Value exitf = TOP();
        Value res = mv_evh_call_exit(t, exitf);
        if (!res) goto error;
        MV_DECREF(exitf);
        sp[-1] = res;
        DISPATCH();
    }

    TARGET(YIELD_VALUE) {
        retval = POP();
        goto exit_yield;
    }

    TARGET(YIELD_FROM) {
        Value v = POP();
        Value recv = TOP();
        Value result;
        Value r = mv_evh_yield_from_send(t, recv, v, &result);
        MV_DECREF(v);
        if (r) {
            retval = r;
            ip--; /* resume at this YIELD_FROM with the next sent value */
            goto exit_yield;
        }
        if (!result) goto error;
        MV_DECREF(recv);
        sp[-1] = result;
        DISPATCH();
    }

    TARGET(GET_YIELD_FROM_ITER) {
        Value v = TOP();
        Value it = mv_evh_yield_from_iter(t, co, v);
        if (!it) goto error;
        MV_DECREF(v);
        sp[-1] = it;
        DISPATCH();
    }

    TARGET(GET_AWAITABLE) {
        Value v = TOP();
        SAVE_LASTI();
        Value it = mv_coro_get_awaitable(t, v, oparg);
        if (!it) goto error;
        MV_DECREF(v);
        sp[-1] = it;
        DISPATCH();
    }

    TARGET(GET_AITER) {
        Value v = TOP();
        Value it = mv_evh_get_aiter(t, v);
        if (!it) goto error;
        MV_DECREF(v);
        sp[-1] = it;
        DISPATCH();
    }

    TARGET(GET_ANEXT) {
        Value aw = mv_evh_get_anext(t, TOP());
        if (!aw) goto error;
        PUSH(aw);
        DISPATCH();
    }

    TARGET(BEFORE_ASYNC_WITH) {
        Value mgr = TOP();
        Value exitf, res;
        if (mv_evh_before_async_with(t, mgr, &exitf, &res) < 0) goto error;
        MV_DECREF(mgr);
        sp[-1] = exitf;
        PUSH(res);
        DISPATCH();
    }

    TARGET(END_ASYNC_FOR) {
        if (!mv_evh_end_async_for(t, POP())) goto exception_unwind;
        Value aiter = POP();
        MV_DECREF(aiter);
        DISPATCH();
    }

    TARGET(ASYNC_GEN_WRAP) {
        sp[-1] = mv_asyncgen_wrap(sp[-1]);
        DISPATCH();
    }

    /* match statement (eval_match.c) */
    TARGET(GET_LEN) {
        Value v = mv_evh_get_len(t, TOP());
        if (!v) goto error;
        PUSH(v);
        DISPATCH();
    }

    TARGET(MATCH_MAPPING) {
        Value r = mv_match_is_mapping(TOP()) ? MV_TRUE : MV_FALSE;
        PUSH(r);
        DISPATCH();
    }

    TARGET(MATCH_SEQUENCE) {
        Value r = mv_match_is_sequence(TOP()) ? MV_TRUE : MV_FALSE;
        PUSH(r);
        DISPATCH();
    }

    TARGET(MATCH_KEYS) {
        Value v = mv_match_keys(t, SECOND(), TOP());
        if (!v) goto error;
        PUSH(v);
        DISPATCH();
    }

    TARGET(MATCH_CLASS) {
        Value names = POP(), cls = POP(), subject = TOP();
        Value v = mv_match_class(t, subject, cls, oparg, names);
        MV_DECREF(names);
        MV_DECREF(cls);
        if (!v) goto error;
        sp[-1] = v;
        MV_DECREF(subject);
        DISPATCH();
    }

    TARGET(LOAD_ASSERTION_ERROR) {
        Value v = (Value)&mv_exc_AssertionError;
        MV_INCREF(v);
        PUSH(v);
        DISPATCH();
    }

    TARGET(PRINT_EXPR) {
        Value v = TOP();
        if (mv_evh_print_expr(t, v) < 0) goto error;
        sp--;
        MV_DECREF(v);
        DISPATCH();
    }

    TARGET(SETUP_ANNOTATIONS) {
        if (mv_evh_setup_annotations(t, f->locals) < 0) goto error;
        DISPATCH();
    }

#include "eval_fused.c.h"

#if !USE_COMPUTED_GOTO
    default:
        mv_err_format(t, &mv_exc_SystemError, "unknown opcode %u", opcode);
        goto error;
    }
#endif

#if CHECK_BY_TABLE
    /* Armed check points land here, their instruction already fetched (word, oparg): function
       entry (the function's first instruction), or a backward jump instead of its own handler.
       A traceback points at function entry (CPython's RESUME), or at the jump. */
check_entry:
    if (mv_evh_check_point(t) < 0) {
        ip = co->code;
        goto error;
    }
    goto *plain_targets[word & 0xff];
check_jump:
    if (mv_evh_check_point(t) < 0) goto error;
    goto *plain_targets[word & 0xff];
#endif

error:
    f->lasti = (int)(ip - co->code) - 1;
    if (!t->curexc) mv_err_set(t, &mv_exc_SystemError, "error return without exception set");
    mv_exc_add_traceback(t, t->curexc, f);
exception_unwind:
    kwnames = NULL;
    if (f->nblocks > 0) {
        int n = --f->nblocks;
        Value *level = mv_frame_stack_base(f) + f->blocks[n].level;
        while (sp > level) {
            Value v = POP();
            MV_XDECREF(v);
        }
        Value exc = mv_err_fetch(t);
        PUSH(exc);
        ip = co->code + f->blocks[n].handler;
        DISPATCH();
    }
    /* no handler: the exception leaves this frame */
    {
        Value *base = mv_frame_stack_base(f);
        while (sp > base) {
            Value v = POP();
            MV_XDECREF(v);
        }
    }
    if (f->entry) {
        f->ip = ip;
        f->sp = sp;
        f->state = MV_FRAME_DONE;
        retval = NULL;
        goto exit;
    }
    {
        mv_frame *back = f->back;
        f->sp = sp;
        release_call_frame(f);
        t->frame = back;
        t->depth--;
        f = back;
        LOAD_FRAME();
        goto error;
    }

exit_yield:
    f->ip = ip;
    f->sp = sp;
    f->state = MV_FRAME_SUSPENDED;
    goto exit;

exit_return:
    f->ip = ip;
    f->sp = sp;
    f->state = MV_FRAME_DONE;
exit:
    t->frame = f->back;
    t->depth--;
    t->c_depth--;
    return retval;
}
