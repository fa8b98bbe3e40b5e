/* clock.h - the monotonic clock the responders time heartbeats and lifetimes by. */
#ifndef CLOCK_H
#define CLOCK_H

#include <stdint.h>

/* Milliseconds on CLOCK_MONOTONIC: never jumps with the wall clock. */
int64_t	clock_ms(void);

#endif
