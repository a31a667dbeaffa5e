/* lexer.h: the Python 3.11 tokenizer: source bytes -> an array of tokens (INDENT/DEDENT, NEWLINE,
 * names, numbers, whole string literals including f-strings, operators, keywords).
 * Tokens carry byte offsets into the (newline-normalized) source and CPython-style positions
 * (1-based lines, 0-based UTF-8 byte columns).  Literal values are decoded by the parser.
 */
#ifndef MV_LEXER_H
#define MV_LEXER_H

#include <stddef.h>
#include <stdint.h>
#include "../runtime/object.h"

typedef enum {
    TK_ENDMARKER, TK_NAME, TK_NUMBER, TK_STRING, TK_NEWLINE, TK_INDENT, TK_DEDENT,
    /* operators */
    TK_LPAR, TK_RPAR, TK_LSQB, TK_RSQB, TK_LBRACE, TK_RBRACE, TK_COLON, TK_COMMA, TK_SEMI,
    TK_PLUS, TK_MINUS, TK_STAR, TK_SLASH, TK_VBAR, TK_AMPER, TK_LESS, TK_GREATER, TK_EQUAL,
    TK_DOT, TK_PERCENT, TK_EQEQUAL, TK_NOTEQUAL, TK_LESSEQUAL, TK_GREATEREQUAL, TK_TILDE,
    TK_CIRCUMFLEX, TK_LEFTSHIFT, TK_RIGHTSHIFT, TK_DOUBLESTAR, TK_DOUBLESLASH, TK_AT, TK_RARROW,
    TK_ELLIPSIS, TK_COLONEQUAL,
    /* augmented assignment: same order as mv_operator in ast.h (TK_PLUSEQUAL + OP_x) */
    TK_PLUSEQUAL, TK_MINEQUAL, TK_STAREQUAL, TK_SLASHEQUAL, TK_DOUBLESLASHEQUAL, TK_PERCENTEQUAL,
    TK_DOUBLESTAREQUAL, TK_LEFTSHIFTEQUAL, TK_RIGHTSHIFTEQUAL, TK_AMPEREQUAL, TK_VBAREQUAL,
    TK_CIRCUMFLEXEQUAL, TK_ATEQUAL,
    TK_ERRORTOKEN, /* a character no rule accepts ('$', '?', '!'): the parser says invalid syntax */
    /* keywords */
    TK_FALSE, TK_NONE, TK_TRUE, TK_AND, TK_AS, TK_ASSERT, TK_ASYNC, TK_AWAIT, TK_BREAK, TK_CLASS,
    TK_CONTINUE, TK_DEF, TK_DEL, TK_ELIF, TK_ELSE, TK_EXCEPT, TK_FINALLY, TK_FOR, TK_FROM,
    TK_GLOBAL, TK_IF, TK_IMPORT, TK_IN, TK_IS, TK_LAMBDA, TK_NONLOCAL, TK_NOT, TK_OR, TK_PASS,
    TK_RAISE, TK_RETURN, TK_TRY, TK_WHILE, TK_WITH, TK_YIELD,
    TK__COUNT
} mv_tok_type;

typedef struct {
    uint8_t type;        /* mv_tok_type */
    uint8_t level;       /* bracket depth before the token (for error heuristics) */
    int lineno, col, end_lineno, end_col;
    uint32_t start, end; /* byte offsets into the source */
} mv_token;

typedef struct {
    /* input (normalized: \r\n and \r become \n) */
    const char *src;
    size_t len;
    /* output */
    mv_token *toks;
    size_t ntoks, cap;
    size_t *line_starts; /* byte offset of each line's start; line_starts[0] is line 1 */
    size_t nlines, lines_cap;
    /* the first tokenizer error, if any (err_type != NULL) */
    mv_type *err_type;
    char err_msg[200];
    int err_lineno, err_col, err_end_lineno, err_end_col; /* 0-based byte columns; -1 = none */
    bool err_text_nl;   /* the error's text keeps the line's trailing newline */
    /* brackets still open at the end of input */
    int unclosed_lineno, unclosed_col;
    char unclosed_char;
} mv_lexer;

/* Tokenize src[start, end).  expr_mode: an f-string replacement field (newlines are insignificant,
   no NEWLINE/INDENT tokens).  Positions start at (lineno, col).  Returns 0, or -1 on a tokenizer
   error (recorded in lx->err_*; the tokens before the error are kept). */
int mv_lex(mv_lexer *lx, const char *src, size_t start, size_t end, int lineno, int col,
           bool expr_mode);
void mv_lexer_free(mv_lexer *lx);
const char *mv_tok_name(int type); /* "'('" or "NAME", for diagnostics */

/* Decode the UTF-8 code point at s (at most n bytes); returns its length (1 on invalid bytes). */
int mv_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);

#endif
