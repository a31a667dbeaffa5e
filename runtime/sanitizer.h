/* sanitizer.h: MV_SANITIZED is defined in builds with AddressSanitizer or ThreadSanitizer, whose
 * runtimes bring their own allocator and thread handling (GCC and Clang spell the test apart). */
#ifndef MV_SANITIZER_H
#define MV_SANITIZER_H

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define MV_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define MV_SANITIZED 1
#endif
#endif

#endif
