/* test_lexer.c: the tokenizer on its own: token kinds and positions (CPython's tokenize module
 * is the reference for positions), INDENT/DEDENT, line joining, numbers, strings, and errors. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "exc.h"
#include "lexer.h"

static mv_vm *vm;

static void setup(void) {
    vm = mv_vm_new(0, NULL);
}

TestSuite(lexer, .init = setup);

/* Tokenize src and render the token kinds as a space-separated string. */
static char *kinds(const char *src, mv_lexer *lx) {
    static char buf[4096];
    memset(lx, 0, sizeof *lx);
    int r = mv_lex(lx, src, 0, strlen(src), 1, 0, false);
    buf[0] = 0;
    if (r < 0) {
        snprintf(buf, sizeof buf, "ERROR %s", lx->err_msg);
        return buf;
    }
    for (size_t i = 0; i < lx->ntoks; i++) {
        const mv_token *tk = &lx->toks[i];
        if (i) strcat(buf, " ");
        if (tk->type == TK_NAME || tk->type == TK_NUMBER || tk->type == TK_STRING)
            strncat(buf, src + tk->start, tk->end - tk->start);
        else
            strcat(buf, mv_tok_name(tk->type));
    }
    return buf;
}

static void expect_kinds(const char *src, const char *want) {
    mv_lexer lx;
    cr_expect_str_eq(kinds(src, &lx), want, "source: %s", src);
    mv_lexer_free(&lx);
}

Test(lexer, basics) {
    expect_kinds("x = 1\n", "x '=' 1 NEWLINE ENDMARKER");
    expect_kinds("x", "x NEWLINE ENDMARKER");
    expect_kinds("", "ENDMARKER");
    expect_kinds("if x:\n    y\nz\n", "if x ':' NEWLINE INDENT y NEWLINE DEDENT z NEWLINE ENDMARKER");
    expect_kinds("if x:\n  if y:\n    z\n", "if x ':' NEWLINE INDENT if y ':' NEWLINE INDENT z NEWLINE DEDENT DEDENT ENDMARKER");
    expect_kinds("(1,\n  2)\n", "'(' 1 ',' 2 ')' NEWLINE ENDMARKER");
    expect_kinds("x = 1 + \\\n  2\n", "x '=' 1 '+' 2 NEWLINE ENDMARKER");
    expect_kinds("# c\n\n  # indented comment\nx  # trailing\n", "x NEWLINE ENDMARKER");
    expect_kinds("a**=b//=c->d:=e...f!=g<>h", "a '**=' b '//=' c '->' d ':=' e '...' f '!=' g '!=' h NEWLINE ENDMARKER");
    expect_kinds("a<<=1>>=2@=3", "a '<<=' 1 '>>=' 2 '@=' 3 NEWLINE ENDMARKER");
    expect_kinds("not in is lambda None", "not in is lambda None NEWLINE ENDMARKER");
    expect_kinds("0x_1f 0o17 0b1 1_000 1. .5 1e-3 1E+3 00", "0x_1f 0o17 0b1 1_000 1. .5 1e-3 1E+3 00 NEWLINE ENDMARKER");
    expect_kinds("rb'x' Br\"y\" f'{a}' u'z' '''a\nb'''", "rb'x' Br\"y\" f'{a}' u'z' '''a\nb''' NEWLINE ENDMARKER");
    expect_kinds("é日本 = 1", "é日本 '=' 1 NEWLINE ENDMARKER");
    expect_kinds("1if x else 2", "1 if x else 2 NEWLINE ENDMARKER");
}

Test(lexer, positions) {
    mv_lexer lx;
    memset(&lx, 0, sizeof lx);
    const char *src = "if x:\n    s = '''a\nbc''' + é\n";
    cr_assert(mv_lex(&lx, src, 0, strlen(src), 1, 0, false) == 0);
    /* if x : NEWLINE INDENT s = STRING + é NEWLINE DEDENT ENDMARKER */
    cr_assert_eq(lx.ntoks, 13);
    mv_token *str = &lx.toks[7];
    cr_expect_eq(str->type, TK_STRING);
    cr_expect_eq(str->lineno, 2);
    cr_expect_eq(str->col, 8);
    cr_expect_eq(str->end_lineno, 3);
    cr_expect_eq(str->end_col, 5);
    mv_token *e = &lx.toks[9];
    cr_expect_eq(e->col, 8);
    cr_expect_eq(e->end_col, 10); /* UTF-8 bytes */
    mv_token *nl = &lx.toks[10];
    cr_expect_eq(nl->type, TK_NEWLINE);
    cr_expect_eq(nl->col, 10);
    cr_expect_eq(nl->end_col, 10); /* CPython leaves the '\n' out */
    cr_expect_eq(lx.nlines, 4);
    mv_lexer_free(&lx);
}

Test(lexer, errors) {
    expect_kinds("x = 'abc\n", "ERROR unterminated string literal (detected at line 1)");
    expect_kinds("x = '''abc\n\n", "ERROR unterminated triple-quoted string literal (detected at line 2)");
    expect_kinds("x = 08\n", "ERROR leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers");
    expect_kinds("x = 1abc\n", "ERROR invalid decimal literal");
    expect_kinds("x = 0b2\n", "ERROR invalid digit '2' in binary literal");
    expect_kinds("x = 0x\n", "ERROR invalid hexadecimal literal");
    expect_kinds("x = 1__0\n", "ERROR invalid decimal literal");
    expect_kinds("x = 2j\n", "ERROR complex numbers are not supported by minivm");
    expect_kinds("a € b\n", "ERROR invalid character '€' (U+20AC)");
    expect_kinds("a \xc2\xa0" "b\n", "ERROR invalid non-printable character U+00A0");
    expect_kinds("(]\n", "ERROR closing parenthesis ']' does not match opening parenthesis '('");
    expect_kinds("(\n]\n", "ERROR closing parenthesis ']' does not match opening parenthesis '(' on line 1");
    expect_kinds(")\n", "ERROR unmatched ')'");
    expect_kinds("if x:\n    a\n  b\n", "ERROR unindent does not match any outer indentation level");
    expect_kinds("if x:\n\ta\n        b\n", "ERROR inconsistent use of tabs and spaces in indentation");
    expect_kinds("a \\ b\n", "ERROR unexpected character after line continuation character");
    mv_lexer lx;
    kinds("(((\n", &lx);
    cr_expect_eq(lx.unclosed_char, '(');
    cr_expect_eq(lx.unclosed_col, 2);
    mv_lexer_free(&lx);
}

/* f-string replacement fields are lexed in expression mode at their place in the file */
Test(lexer, expr_mode) {
    mv_lexer lx;
    memset(&lx, 0, sizeof lx);
    const char *src = "f'{a +\n b}'";
    cr_assert(mv_lex(&lx, src, 3, 9, 1, 3, true) == 0);
    cr_assert_eq(lx.ntoks, 4); /* a + b ENDMARKER */
    cr_expect_eq(lx.toks[0].col, 3);
    cr_expect_eq(lx.toks[2].lineno, 2);
    cr_expect_eq(lx.toks[2].col, 1);
    mv_lexer_free(&lx);
}
