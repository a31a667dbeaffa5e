/* eval_fused.c.h: the bodies of the fused instructions (superinstructions) that the
 * assembler's peephole pass builds from hot pairs (compiler.c, fuse()): LOAD_FAST_CONST,
 * LOAD_FAST_FAST, COMPARE_JUMP_* and BINARY_OP_STORE_FAST.  Not a header: eval.c includes it
 * once, inside the eval loop's dispatch, where its macros and locals (ip, sp, oparg, fast, ...)
 * are in scope; kept apart so that eval.c holds the loop and the plain opcodes.
 */
    TARGET(LOAD_FAST_CONST) {
        unsigned extra = *ip++;
        Value v = fast[oparg];
        if (__builtin_expect(!v, 0)) {
            mv_evh_unbound_local(t, co, oparg);
            goto error;
        }
        MV_INCREF(v);
        PUSH(v);
        v = consts[extra];
        MV_INCREF(v);
        PUSH(v);
        DISPATCH();
    }

    TARGET(LOAD_FAST_FAST) {
        unsigned extra = *ip++;
        Value v = fast[oparg];
        if (__builtin_expect(!v, 0)) {
            mv_evh_unbound_local(t, co, oparg);
            goto error;
        }
        Value w = fast[extra];
        if (__builtin_expect(!w, 0)) {
            mv_evh_unbound_local(t, co, (int)extra);
            goto error;
        }
        MV_INCREF(v);
        PUSH(v);
        MV_INCREF(w);
        PUSH(w);
        DISPATCH();
    }

/* Pop the two compared operands into truth value `c` (the fused compare-and-jump ops): tagged
   small ints compare as their words (the tag bit does not change the order). */
#define POP_COMPARE(c)                                                                             \
    do {                                                                                           \
        Value r_ = TOP(), l_ = SECOND();                                                           \
        if (((uintptr_t)l_ & (uintptr_t)r_ & 1u)) {                                                \
            intptr_t a_ = (intptr_t)l_, b_ = (intptr_t)r_;                                         \
            switch (oparg) {                                                                       \
            case MV_LT: c = a_ < b_; break;                                                        \
            case MV_LE: c = a_ <= b_; break;                                                       \
            case MV_EQ: c = a_ == b_; break;                                                       \
            case MV_NE: c = a_ != b_; break;                                                       \
            case MV_GT: c = a_ > b_; break;                                                        \
            default: c = a_ >= b_; break;                                                          \
            }                                                                                      \
            sp -= 2;                                                                               \
        } else {                                                                                   \
            Value res_ = mv_richcompare(t, l_, r_, oparg);                                         \
            if (!res_) goto error;                                                                 \
            sp -= 2;                                                                               \
            MV_DECREF(l_);                                                                         \
            MV_DECREF(r_);                                                                         \
            c = res_ == MV_TRUE ? 1 : res_ == MV_FALSE ? 0 : mv_truthy(t, res_);                   \
            MV_DECREF(res_);                                                                       \
            if (c < 0) goto error;                                                                 \
        }                                                                                          \
    } while (0)

    /* compare and jump when the result is `when` (the target is the inline extra unit) */
#define COMPARE_JUMP(when, JUMP_DISPATCH)                                                          \
    do {                                                                                           \
        unsigned target = *ip++;                                                                   \
        int c;                                                                                     \
        POP_COMPARE(c);                                                                            \
        if (!c == !(when)) {                                                                       \
            const mv_codeunit *at = ip;                                                            \
            (void)at;                                                                              \
            ip = co->code + target;                                                                \
            JUMP_DISPATCH(at);                                                                     \
        }                                                                                          \
        DISPATCH();                                                                                \
    } while (0)

    TARGET(COMPARE_JUMP_IF_FALSE) COMPARE_JUMP(0, PLAIN_DISPATCH);
    TARGET(COMPARE_JUMP_IF_TRUE) COMPARE_JUMP(1, PLAIN_DISPATCH);
    TARGET(COMPARE_JUMP_BACKWARD_IF_FALSE) COMPARE_JUMP(0, CHECK_DISPATCH);
    TARGET(COMPARE_JUMP_BACKWARD_IF_TRUE) COMPARE_JUMP(1, CHECK_DISPATCH);

    TARGET(BINARY_OP_STORE_FAST) {
        unsigned extra = *ip++;
        Value r = TOP(), l = SECOND();
        Value res;
        if (((uintptr_t)l & (uintptr_t)r & 1u)) {
            intptr_t a = (intptr_t)l, b = (intptr_t)r, x;
            int op = oparg & 15;
            if (op == MV_BINOP_ADD && !__builtin_add_overflow(a, b - 1, &x)) {
                res = (Value)x;
                goto bsf_store;
            }
            if (op == MV_BINOP_SUB && !__builtin_sub_overflow(a, b - 1, &x)) {
                res = (Value)x;
                goto bsf_store;
            }
        }
        res = mv_binary_op(t, l, r, oparg);
        if (!res) goto error;
        MV_DECREF(l);
        MV_DECREF(r);
    bsf_store:
        sp -= 2;
        {
            Value old = fast[extra];
            fast[extra] = res;
            MV_XDECREF(old);
        }
        DISPATCH();
    }
