package io.github.agentmemory.redis.resilience;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;

import org.springframework.data.redis.RedisConnectionFailureException;

/**
 * A call was not sent to Redis because the circuit breaker is open (or half-open with
 * all probe calls taken). It is a {@link RedisConnectionFailureException}, so code that
 * already handles an unreachable Redis handles it too. It is thrown in microseconds and
 * therefore carries no stack trace.
 *
 * @author agent-memory-redis
 */
public class RedisCircuitOpenException extends RedisConnectionFailureException {

	private static final long serialVersionUID = 1L;

	private final String command;

	private final String circuitBreakerName;

	private final CircuitBreaker.State state;

	/**
	 * Create a new exception.
	 * @param command the command that was not sent
	 * @param circuitBreakerName the name of the circuit breaker
	 * @param state its state when the call was rejected
	 */
	public RedisCircuitOpenException(String command, String circuitBreakerName, CircuitBreaker.State state) {
		// the message is built when asked for: a rejected write waiting in the recovery
		// queue keeps its exception, and rejections are the fast path while Redis is down
		super(null);
		this.command = command;
		this.circuitBreakerName = circuitBreakerName;
		this.state = state;
	}

	@Override
	public String getMessage() {
		return "Redis circuit breaker '" + this.circuitBreakerName + "' is " + this.state + ": " + this.command
				+ " was not sent to Redis";
	}

	/**
	 * The command that was not sent.
	 * @return the command
	 */
	public String getCommand() {
		return this.command;
	}

	/**
	 * The name of the circuit breaker that rejected the call.
	 * @return the name
	 */
	public String getCircuitBreakerName() {
		return this.circuitBreakerName;
	}

	/**
	 * The state of the circuit breaker when the call was rejected.
	 * @return {@code OPEN}, {@code HALF_OPEN} or {@code FORCED_OPEN}
	 */
	public CircuitBreaker.State getState() {
		return this.state;
	}

	@Override
	public synchronized Throwable fillInStackTrace() {
		// rejection is the fast path while Redis is down: skip the stack walk
		return this;
	}

}
