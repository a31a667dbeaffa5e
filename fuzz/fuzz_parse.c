/* fuzz_parse.c: libFuzzer harness for the front end.  Any input must end in an AST or a
 * SyntaxError (or MemoryError/RecursionError), never a crash, hang or leak; the AST is dumped
 * (walking every node) and the source is also compiled, unless built with -DFUZZ_PARSE_ONLY.
 * Build and run: fuzz/build.sh, then build-fuzz/fuzz_parse fuzz/corpus -max_total_time=300.
 */
#include <stdint.h>
#include <stdlib.h>

#include "ast.h"
#include "code.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static mv_vm *vm;
    static mv_thread *t;
    if (!vm) {
        vm = mv_vm_new(0, NULL);
        t = mv_vm_main_thread(vm);
    }
    /* the parser reads exactly `size` bytes: give it a buffer without slack to catch overreads */
    char *src = malloc(size ? size : 1);
    if (!src) return 0;
    for (size_t i = 0; i < size; i++) src[i] = (char)data[i];
    mv_ast_arena *a = mv_ast_arena_new();
    mv_module_ast *m = mv_parse(t, a, src, size, "<fuzz>", MV_COMPILE_EXEC);
    if (m) {
        char *d = mv_ast_dump_ex(t, m, true);
        free(d);
    }
    if (mv_err_occurred(t)) mv_err_clear(t);
    mv_ast_arena_free(a);
#ifndef FUZZ_PARSE_ONLY
    Value code = mv_compile(t, src, size, "<fuzz>", MV_COMPILE_EXEC);
    if (code) MV_DECREF(code);
    if (mv_err_occurred(t)) mv_err_clear(t);
#endif
    free(src);
    return 0;
}
