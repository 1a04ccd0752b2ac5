package io.github.agentmemory.redis.resilience;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * A clock that never jumps: it starts at the wall-clock time of its creation and then
 * advances with {@link System#nanoTime()}. Given to the circuit breaker so that a wall
 * clock set back or forward (NTP, a VM resumed) neither keeps the circuit open nor
 * closes it early.
 *
 * @author agent-memory-redis
 */
public final class MonotonicClock extends Clock {

	private static final MonotonicClock INSTANCE = new MonotonicClock();

	private final Instant origin = Instant.now();

	private final long originNanos = System.nanoTime();

	private MonotonicClock() {
	}

	/**
	 * The shared instance.
	 * @return the clock
	 */
	public static MonotonicClock get() {
		return INSTANCE;
	}

	@Override
	public ZoneId getZone() {
		return ZoneOffset.UTC;
	}

	@Override
	public Clock withZone(ZoneId zone) {
		throw new UnsupportedOperationException("A monotonic clock has no time zone");
	}

	@Override
	public Instant instant() {
		return this.origin.plusNanos(System.nanoTime() - this.originNanos);
	}

	@Override
	public long millis() {
		return instant().toEpochMilli();
	}

}
