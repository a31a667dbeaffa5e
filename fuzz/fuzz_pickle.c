/* fuzz_pickle.c: libFuzzer harness for pickle.loads (stdlib/pickle_load.c).  Any input must end
 * in an object or an exception (UnpicklingError, EOFError, or what an import / class call raised),
 * never a crash, hang or huge allocation; what loads is dumped and loaded again.
 * Build: fuzz/build.sh (also writes the seed corpus: valid dumps, build-fuzz/pickle_seeds).
 * Run:   cd build-fuzz && ASAN_OPTIONS=detect_leaks=0 ./fuzz_pickle pickle_corpus pickle_seeds -max_len=4096 -max_total_time=300 \
 *          (no leak checks: minivm has no cycle collector: a loaded cycle is never freed; the
 *          unit test tests/unit/test_pickle.c checks that errors free what they built)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abstract.h"
#include "bytes.h"
#include "module.h"
#include "str.h"
#include "stdlib/pickle.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static mv_vm *vm;
static mv_thread *t;

/* Valid pickles of many shapes, one file each (FUZZ_PICKLE_WRITE_SEEDS=dir). */
static const char seeds_src[] =
    "import pickle\n"
    "class P:\n"
    "    def __init__(self): self.a = [1, 'x']; self.me = self\n"
    "class S:\n"
    "    __slots__ = ('a',)\n"
    "    def __init__(self): self.a = 2\n"
    "class L(list): pass\n"
    "x = [1]\n"
    "cyc = [1]; cyc.append(cyc)\n"
    "tc = ([],); tc[0].append(tc)\n"
    "values = [None, True, 0, -1, 2**62, 2**200, -2**90, 1.5, float('nan'), '', 'abc', 'h\\u00e9\\u65e5',\n"
    "    b'\\x00\\xff', bytearray(b'ba'), (), (1, 2), [x, x], {'k': 'v', 2: (3,)}, {1, 2},\n"
    "    frozenset({'f'}), ..., NotImplemented, range(1, 9, 2), slice(1, None, 2), cyc, tc, P(), S(),\n"
    "    L([1, 2]), ValueError('e', 1), OSError(2, 'x'), len, int, P, type(None),\n"
    "    [{'id': i, 'name': 'x', 'v': 1.5} for i in range(3)]]\n"
    "for i, v in enumerate(values):\n"
    "    with open(SEEDS + '/seed%02d' % i, 'wb') as f:\n"
    "        f.write(pickle.dumps(v))\n";

static void write_seeds(const char *dir) {
    Value d = mv_str_from_cstr(dir);
    Value lit = mv_repr(t, d); /* the directory as a str literal */
    size_t n = mv_str_size(lit) + sizeof seeds_src + 16;
    char *src = malloc(n);
    snprintf(src, n, "SEEDS = %s\n%s", mv_str_data(lit), seeds_src);
    MV_DECREF(lit);
    MV_DECREF(d);
    int rc = mv_run_main_source(t, src, strlen(src), "<seeds>");
    if (rc < 0) mv_err_print(t);
    free(src);
    exit(rc < 0);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    vm = mv_vm_new(0, NULL);
    t = mv_vm_main_thread(vm);
    const char *seeds = getenv("FUZZ_PICKLE_WRITE_SEEDS");
    if (seeds) write_seeds(seeds);
    /* only built-in and embedded modules: the input must not import .mv files from the disk */
    Value r = mv_call_method(t, vm->path, "clear", NULL, 0);
    if (r) MV_DECREF(r);
    if (mv_err_occurred(t)) mv_err_clear(t);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    /* a buffer without slack, so that reading past the input is caught */
    unsigned char *buf = malloc(size ? size : 1);
    if (!buf) return 0;
    memcpy(buf, data, size);
    Value v = mv_pickle_loads(t, buf, size);
    free(buf);
    if (v) {
        Value again = mv_pickle_dumps(t, v);
        if (again) {
            Value w = mv_pickle_loads(t, mv_bytes_data(again), mv_bytes_size(again));
            MV_XDECREF(w);
            MV_DECREF(again);
        }
        MV_DECREF(v);
    }
    if (mv_err_occurred(t)) mv_err_clear(t);
    return 0;
}
