/* dis.c: the disassembler behind `minivm --dis`: one line per instruction in the spirit of
 * CPython's dis module (line number, offset, opcode name, operand and its meaning), then the
 * nested code objects found among the constants.
 */
#include <stdio.h>

#include "abstract.h"
#include "compiler.h"
#include "str.h"
#include "tuple.h"

static const char *const cmp_names[] = {"<", "<=", "==", "!=", ">", ">="};
static const char *const binop_names[] = {"+", "-", "*", "/", "//", "%", "**", "<<", ">>", "&", "|", "^", "@"};

static void print_value(mv_thread *t, Value v, FILE *out) {
    Value r = mv_repr(t, v);
    if (!r) {
        mv_err_clear(t);
        fputs("?", out);
        return;
    }
    fputs(mv_str_data(r), out);
    MV_DECREF(r);
}

static void dis_one(mv_thread *t, mv_code *co, FILE *out) {
    int lastline = -1;
    size_t i = 0;
    while (i < co->ncode) {
        size_t start = i;
        unsigned word = co->code[i++];
        int op = word & 0xff;
        int arg = (int)(word >> 8);
        while (op == OP_EXTENDED_ARG && i < co->ncode) {
            word = co->code[i++];
            op = word & 0xff;
            arg = (arg << 8) | (int)(word >> 8);
        }
        int extra = -1;
        if (op < MV_NUM_OPCODES && mv_op_operand[op] == 2 && i < co->ncode) extra = co->code[i++];
        int line = co->positions[start].line;
        if (line != lastline && line > 0) {
            if (lastline != -1) fputc('\n', out);
            fprintf(out, "%4d", line);
            lastline = line;
        } else {
            fputs("    ", out);
        }
        const char *name = op < MV_NUM_OPCODES ? mv_op_names[op] : "<invalid>";
        fprintf(out, " %8zu %-24s", start, name);
        if (op >= MV_NUM_OPCODES || mv_op_operand[op] == 0) {
            fputc('\n', out);
            continue;
        }
        fprintf(out, " %4d", arg);
        if (extra >= 0) fprintf(out, ", %d", extra);
        fputs(" (", out);
        switch (op) {
        case OP_LOAD_CONST:
        case OP_KW_NAMES:
            print_value(t, MV_TUPLE_GET(co->consts, arg), out);
            break;
        case OP_LOAD_FAST: case OP_STORE_FAST: case OP_DELETE_FAST:
            fputs(mv_str_data(MV_TUPLE_GET(co->varnames, arg)), out);
            break;
        case OP_LOAD_FAST_CONST:
            fputs(mv_str_data(MV_TUPLE_GET(co->varnames, arg)), out);
            fputs(", ", out);
            print_value(t, MV_TUPLE_GET(co->consts, extra), out);
            break;
        case OP_LOAD_FAST_FAST:
            fprintf(out, "%s, %s", mv_str_data(MV_TUPLE_GET(co->varnames, arg)),
                    mv_str_data(MV_TUPLE_GET(co->varnames, extra)));
            break;
        case OP_LOAD_DEREF: case OP_STORE_DEREF: case OP_DELETE_DEREF: case OP_LOAD_CLOSURE:
        case OP_LOAD_CLASSDEREF:
            fputs(mv_str_data(arg < co->ncells ? MV_TUPLE_GET(co->cellvars, arg)
                                               : MV_TUPLE_GET(co->freevars, arg - co->ncells)), out);
            break;
        case OP_LOAD_NAME: case OP_STORE_NAME: case OP_DELETE_NAME: case OP_LOAD_GLOBAL:
        case OP_STORE_GLOBAL: case OP_DELETE_GLOBAL: case OP_LOAD_ATTR: case OP_STORE_ATTR:
        case OP_DELETE_ATTR: case OP_LOAD_METHOD: case OP_IMPORT_NAME: case OP_IMPORT_FROM:
            fputs(mv_str_data(MV_TUPLE_GET(co->names, arg)), out);
            break;
        case OP_COMPARE_OP:
            fputs(arg < 6 ? cmp_names[arg] : "?", out);
            break;
        case OP_COMPARE_JUMP_IF_FALSE: case OP_COMPARE_JUMP_IF_TRUE:
        case OP_COMPARE_JUMP_BACKWARD_IF_FALSE: case OP_COMPARE_JUMP_BACKWARD_IF_TRUE:
            fprintf(out, "%s, to %d", arg < 6 ? cmp_names[arg] : "?", extra);
            break;
        case OP_BINARY_OP: case OP_BINARY_OP_STORE_FAST:
            fprintf(out, "%s%s", (arg & 15) < 13 ? binop_names[arg & 15] : "?", arg & MV_BINOP_INPLACE ? "=" : "");
            if (op == OP_BINARY_OP_STORE_FAST) fprintf(out, ", %s", mv_str_data(MV_TUPLE_GET(co->varnames, extra)));
            break;
        default:
            if (MV_OP_JUMP_IN_OPERAND(op)) fprintf(out, "to %d", arg);
            else fprintf(out, "%d", arg);
            break;
        }
        fputs(")\n", out);
    }
}

void mv_dis(mv_thread *t, Value code, FILE *out) {
    mv_code *co = (mv_code *)code;
    dis_one(t, co, out);
    for (size_t i = 0; i < mv_tuple_size(co->consts); i++) {
        Value c = MV_TUPLE_GET(co->consts, i);
        if (!MV_IS_SMALL(c) && c->type == &mv_code_type) {
            fputs("\nDisassembly of ", out);
            print_value(t, c, out);
            fputs(":\n", out);
            mv_dis(t, c, out);
        }
    }
}
