package io.github.agentmemory.redis.actuate;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import io.github.agentmemory.redis.AsyncResilientRedisTemplate;
import io.github.agentmemory.redis.resilience.RedisFaultClassifier;

import org.springframework.context.SmartLifecycle;
import org.springframework.dao.PermissionDeniedDataAccessException;
import org.springframework.lang.Nullable;
import org.springframework.util.Assert;

/**
 * Measures Redis's latency in the background (one timed {@code PING} per interval, which
 * neither passes through nor counts against the circuit breaker), so that a health
 * request only reads the last measurement and never waits on Redis. The latency is that
 * of the command on an open connection: a probe that has to connect first does not
 * count the connection's opening. A failed probe records whether Redis was unreachable
 * or refused the credentials.
 *
 * @author agent-memory-redis
 */
public class LatencyMonitor implements SmartLifecycle {

	private final AsyncResilientRedisTemplate template;

	private final ScheduledExecutorService scheduler;

	private final Duration interval;

	private volatile Measurement last = new Measurement(Result.NOT_MEASURED, null, "not measured yet", 0);

	@Nullable
	private ScheduledFuture<?> task;

	/**
	 * Create a monitor.
	 * @param template the template whose Redis is measured
	 * @param scheduler runs the probes
	 * @param interval time between two probes
	 */
	public LatencyMonitor(AsyncResilientRedisTemplate template, ScheduledExecutorService scheduler,
			Duration interval) {
		Assert.notNull(template, "'template' must not be null");
		Assert.notNull(scheduler, "'scheduler' must not be null");
		Assert.isTrue(interval != null && interval.toMillis() >= 1, "'interval' must be at least 1ms");
		this.template = template;
		this.scheduler = scheduler;
		this.interval = interval;
	}

	/**
	 * The latest measurement.
	 * @return the measurement
	 */
	public Measurement getLast() {
		return this.last;
	}

	/**
	 * Probe now, in the background.
	 */
	public void probe() {
		long at = System.currentTimeMillis();
		this.template.latency().whenComplete((latency, error) -> this.last = (error != null) ? failed(error, at)
				: new Measurement(Result.ANSWERED, latency, null, at));
	}

	private static Measurement failed(Throwable error, long at) {
		Result result = isAccessDenied(error) ? Result.ACCESS_DENIED : Result.UNREACHABLE;
		return new Measurement(result, null, error.getClass().getSimpleName() + ": " + error.getMessage(), at);
	}

	private static boolean isAccessDenied(Throwable error) {
		for (Throwable current = error; current != null; current = current.getCause()) {
			if (current instanceof PermissionDeniedDataAccessException) {
				return true;
			}
			if (current.getCause() == current) {
				break;
			}
		}
		String reply = RedisFaultClassifier.findErrorReply(error);
		return reply != null && RedisFaultClassifier.isAccessDenied(reply);
	}

	@Override
	public synchronized void start() {
		if (this.task == null) {
			this.task = this.scheduler.scheduleWithFixedDelay(this::probe, 0, this.interval.toMillis(),
					TimeUnit.MILLISECONDS);
		}
	}

	@Override
	public synchronized void stop() {
		if (this.task != null) {
			this.task.cancel(false);
			this.task = null;
		}
	}

	@Override
	public synchronized boolean isRunning() {
		return this.task != null;
	}

	/**
	 * One latency measurement.
	 *
	 * @param result what the probe saw
	 * @param latency the round-trip time, or {@code null} when the probe failed
	 * @param error why the probe failed, or {@code null}
	 * @param measuredAt when the probe started (epoch millis), 0 before the first
	 */
	public record Measurement(Result result, @Nullable Duration latency, @Nullable String error, long measuredAt) {

	}

	/**
	 * What a probe saw.
	 */
	public enum Result {

		/** No probe has completed yet. */
		NOT_MEASURED,

		/** Redis answered the {@code PING}. */
		ANSWERED,

		/** Redis could not be reached or did not answer in time. */
		UNREACHABLE,

		/**
		 * Redis refused the credentials or the user's permissions ({@code WRONGPASS},
		 * {@code NOAUTH}, {@code NOPERM}): no call can succeed until the configuration or
		 * the server's ACL changes.
		 */
		ACCESS_DENIED

	}

}
