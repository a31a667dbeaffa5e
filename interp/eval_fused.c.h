/* eval_fused.c.h: the bodies of the fused instructions (superinstructions) that the
 * assembler's peephole pass builds from hot pairs (compiler.c, fuse()): LOAD_FAST_CONST,
 * LOAD_FAST_FAST, COMPARE_JUMP_* and BINARY_OP_STORE_FAST.  Not a header: eval.c includes it
 * once, inside the eval loop's dispatch, where its macros and locals (ip, sp, oparg, fast, ...)
 * are in scope; kept apart so that eval.c holds the loop and the plain opcodes.
 */
    TARGET(LOAD_FAST_CONST) {
        unsigned extra = *ip++;
        PUSH_FAST(oparg);
        Value v = consts[extra];
        MV_INCREF(v);
        PUSH(v);
        DISPATCH();
    }

    TARGET(LOAD_FAST_FAST) {
        unsigned extra = *ip++;
        PUSH_FAST(oparg);
        PUSH_FAST(extra);
        DISPATCH();
    }

/* Pop the two compared operands into truth value `c` (the fused compare-and-jump ops): tagged
   small ints compare as their words (the tag bit does not change the order).  No switch on the
   operator: the order (0 <, 1 ==, 2 >) picks a bit of the operator's nibble in CMP_TRUTH (one
   bit test), so the loop-closing compare is short straight-line code, the same in every build.
   The `& 63` costs nothing (the bit test masks its offset so) and keeps the shift defined. */
#define CMP_TRUTH                                                                                  \
    ((uint64_t)0x1 << 4 * MV_LT | (uint64_t)0x3 << 4 * MV_LE | (uint64_t)0x2 << 4 * MV_EQ |       \
     (uint64_t)0x5 << 4 * MV_NE | (uint64_t)0x4 << 4 * MV_GT | (uint64_t)0x6 << 4 * MV_GE)
    /* compare and jump when the result is `when` (the target is the inline extra unit) */
#define COMPARE_JUMP(when, JUMP_DISPATCH)                                                          \
    do {                                                                                           \
        unsigned target = *ip++;                                                                   \
        Value r = TOP(), l = SECOND();                                                             \
        int c;                                                                                     \
        if (((uintptr_t)l & (uintptr_t)r & 1u)) {                                                  \
            intptr_t a = (intptr_t)l, b = (intptr_t)r;                                             \
            unsigned order = (unsigned)(a > b) + (unsigned)(a >= b);                               \
            sp -= 2;                                                                               \
            if (((CMP_TRUTH >> ((4 * (unsigned)oparg + order) & 63)) & 1) == (when))               \
                goto compare_jump_##when##_##JUMP_DISPATCH;                                        \
            DISPATCH();                                                                            \
        }                                                                                          \
        Value res = mv_richcompare(t, l, r, oparg);                                                \
        if (!res) goto error;                                                                      \
        sp -= 2;                                                                                   \
        MV_DECREF(l);                                                                              \
        MV_DECREF(r);                                                                              \
        c = res == MV_TRUE ? 1 : res == MV_FALSE ? 0 : mv_truthy(t, res);                          \
        MV_DECREF(res);                                                                            \
        if (c < 0) goto error;                                                                     \
        if (!c == !(when)) {                                                                       \
        compare_jump_##when##_##JUMP_DISPATCH:;                                                    \
            JUMP_TO(target, JUMP_DISPATCH);                                                        \
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
