/* exc.h: exception objects and the built-in exception hierarchy, tracebacks, and printing them
 * in CPython's format.  Exception types are static mv_types; user classes derive from them.
 */
#ifndef MV_EXC_H
#define MV_EXC_H

#include "code.h"

typedef struct {
    mv_object ob;
    Value dict;       /* instance __dict__ (user subclasses, and attributes like .errno) */
    Value args;       /* tuple */
    Value traceback;  /* mv_traceback or NULL */
    Value cause;      /* __cause__ or NULL */
    Value context;    /* __context__ or NULL */
    bool suppress_context;
    Value notes;      /* list or NULL */
    /* per-kind payloads: StopIteration.value, SystemExit.code, OSError errno/strerror/filename,
       KeyError/ImportError name, SyntaxError's filename/lineno/offset/text/msg ... live in dict
       as attributes so that subclasses and pickling see them uniformly */
} mv_exc;

/* One traceback entry: a frame's code and the instruction that was running. */
typedef struct mv_traceback {
    mv_object ob;
    struct mv_traceback *next; /* toward the frame where the exception was raised */
    mv_code *code;             /* strong ref */
    int lasti;                 /* instruction index, for positions */
    int lineno;
    Value globals;             /* the frame's globals (strong ref): NameError suggestions */
} mv_traceback;

extern mv_type mv_traceback_type;

#define MV_EXC_TYPES(X) \
    X(BaseException) X(Exception) X(SystemExit) X(KeyboardInterrupt) X(GeneratorExit) \
    X(StopIteration) X(StopAsyncIteration) X(ArithmeticError) X(ZeroDivisionError) \
    X(OverflowError) X(FloatingPointError) X(AssertionError) X(AttributeError) X(BufferError) \
    X(EOFError) X(ImportError) X(ModuleNotFoundError) X(LookupError) X(IndexError) X(KeyError) \
    X(MemoryError) X(NameError) X(UnboundLocalError) X(OSError) X(FileNotFoundError) \
    X(FileExistsError) X(PermissionError) X(IsADirectoryError) X(NotADirectoryError) \
    X(TimeoutError) X(InterruptedError) X(BlockingIOError) X(ChildProcessError) \
    X(ConnectionError) X(BrokenPipeError) X(ConnectionResetError) X(ConnectionRefusedError) \
    X(ConnectionAbortedError) X(ProcessLookupError) \
    X(ReferenceError) X(RuntimeError) X(NotImplementedError) X(RecursionError) \
    X(SyntaxError) X(IndentationError) X(TabError) X(SystemError) X(TypeError) X(ValueError) \
    X(UnicodeError) X(UnicodeDecodeError) X(UnicodeEncodeError) X(Warning) X(UserWarning) \
    X(DeprecationWarning) X(RuntimeWarning)

#define MV_DECLARE_EXC(name) extern mv_type mv_exc_##name;
MV_EXC_TYPES(MV_DECLARE_EXC)
#undef MV_DECLARE_EXC

static inline bool mv_exc_check(Value v) { return !MV_IS_SMALL(v) && mv_isinstance_of(v, &mv_exc_BaseException); }

/* Create an instance: type(*args) */
Value mv_exc_new(mv_thread *t, mv_type *type, Value args_tuple);
/* Prepend a traceback entry for frame f (called by eval as the exception unwinds f). */
int mv_exc_add_traceback(mv_thread *t, Value exc, mv_frame *f);
/* Raise SyntaxError (or IndentationError/TabError: pass that type) with CPython's attributes:
   msg, filename, lineno, offset (1-based), text (the whole source line), end_lineno, end_offset. */
Value mv_err_syntax(mv_thread *t, mv_type *type, const char *msg, const char *filename, int lineno,
                    int offset, const char *text, int end_lineno, int end_offset);
/* Register every exception type into the builtins dict. */
int mv_exc_register_builtins(mv_thread *t, Value builtins);

#endif
