/**
 * The write path: per-key lanes, the decision on failed writes, the recovery queue and its processor.
 */
package io.github.agentmemory.redis.recovery;
