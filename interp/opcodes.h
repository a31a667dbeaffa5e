/* opcodes.h: the opcode enum and tables, all derived from opcodes.def.
 * Code unit layout: opcode = unit & 0xff, operand = unit >> 8 (EXTENDED_ARG prefixes shift in
 * higher bits).  Fused instructions (operand kind 2) are followed by one extra 16-bit unit.
 */
#ifndef MV_OPCODES_H
#define MV_OPCODES_H

#include <stdint.h>

enum {
#define OP(name, operand, effect) OP_##name,
#include "opcodes.def"
#undef OP
    MV_NUM_OPCODES
};

/* Operand kind per opcode: 0 none, 1 operand, 2 operand + extra unit. */
extern const uint8_t mv_op_operand[MV_NUM_OPCODES];
extern const char *const mv_op_names[MV_NUM_OPCODES];

/* Instructions whose operand is a jump target (absolute code-unit index). */
#define MV_OP_JUMP_IN_OPERAND(op)                                                                 \
    ((op) == OP_JUMP || (op) == OP_POP_JUMP_IF_FALSE || (op) == OP_POP_JUMP_IF_TRUE ||             \
     (op) == OP_JUMP_IF_FALSE_OR_POP || (op) == OP_JUMP_IF_TRUE_OR_POP || (op) == OP_FOR_ITER ||   \
     (op) == OP_SETUP_FINALLY || (op) == OP_SETUP_CLEANUP || (op) == OP_JUMP_BACKWARD ||            \
     (op) == OP_POP_JUMP_BACKWARD_IF_FALSE || (op) == OP_POP_JUMP_BACKWARD_IF_TRUE)
/* Fused instructions whose extra unit is a jump target. */
#define MV_OP_JUMP_IN_EXTRA(op)                                                                   \
    ((op) == OP_COMPARE_JUMP_IF_FALSE || (op) == OP_COMPARE_JUMP_IF_TRUE ||                        \
     (op) == OP_COMPARE_JUMP_BACKWARD_IF_FALSE || (op) == OP_COMPARE_JUMP_BACKWARD_IF_TRUE)

/* Stack effect on fall-through (from opcodes.def). */
int mv_op_stack_effect(int op, int oparg);

#endif
