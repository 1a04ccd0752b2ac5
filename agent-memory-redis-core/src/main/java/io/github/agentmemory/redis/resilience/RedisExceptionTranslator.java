package io.github.agentmemory.redis.resilience;

import io.lettuce.core.RedisCommandTimeoutException;

import org.springframework.dao.DataAccessException;
import org.springframework.dao.InvalidDataAccessApiUsageException;
import org.springframework.dao.PermissionDeniedDataAccessException;
import org.springframework.dao.QueryTimeoutException;
import org.springframework.dao.TransientDataAccessResourceException;
import org.springframework.data.redis.RedisConnectionFailureException;
import org.springframework.data.redis.RedisSystemException;

/**
 * Maps any error of a Redis call into Spring's {@link DataAccessException} hierarchy,
 * keeping the original as the cause and naming the command (never its arguments, which
 * may hold personal data):
 *
 * <ul>
 * <li>timeouts: {@link QueryTimeoutException};</li>
 * <li>connection refused, reset, closed or not yet open:
 * {@link RedisConnectionFailureException} (an open circuit:
 * {@link RedisCircuitOpenException}, a subtype);</li>
 * <li>{@code LOADING}, {@code BUSY}, {@code TRYAGAIN}, {@code CLUSTERDOWN},
 * {@code MASTERDOWN}, {@code READONLY}, {@code OOM} and other replies that may clear:
 * {@link TransientDataAccessResourceException};</li>
 * <li>{@code NOAUTH}, {@code WRONGPASS}, {@code NOPERM}:
 * {@link PermissionDeniedDataAccessException};</li>
 * <li>{@code WRONGTYPE} and caller mistakes: {@link InvalidDataAccessApiUsageException};</li>
 * <li>anything else: {@link RedisSystemException}.</li>
 * </ul>
 *
 * @author agent-memory-redis
 */
public class RedisExceptionTranslator {

	/**
	 * Translate an error.
	 * @param command the command that failed, for the message
	 * @param error the error
	 * @param fault its kind, as decided by {@link RedisFaultClassifier}
	 * @return the translated exception (the error itself if it already is one)
	 */
	public DataAccessException translate(String command, Throwable error, RedisFault fault) {
		Throwable cause = RedisFaultClassifier.unwrap(error);
		String reply = RedisFaultClassifier.findErrorReply(cause);
		if (cause instanceof DataAccessException dataAccessException
				&& (reply == null || !RedisFaultClassifier.isAccessDenied(reply) || cause instanceof PermissionDeniedDataAccessException)) {
			return dataAccessException;
		}
		if (reply != null) {
			return translateReply(command, reply, cause, fault);
		}
		if (fault == RedisFault.INVALID_USAGE) {
			return new InvalidDataAccessApiUsageException(command + " was called wrongly: " + cause.getMessage(), cause);
		}
		if (cause instanceof RedisCommandTimeoutException) {
			return new QueryTimeoutException(command + " timed out: " + cause.getMessage(), cause);
		}
		if (fault == RedisFault.TRANSIENT) {
			return new RedisConnectionFailureException(command + " failed, Redis is unreachable: " + cause.getMessage(),
					cause);
		}
		return new RedisSystemException(command + " failed: " + cause.getMessage(), cause);
	}

	private DataAccessException translateReply(String command, String reply, Throwable cause, RedisFault fault) {
		String message = command + " failed: Redis replied " + reply;
		if (RedisFaultClassifier.isAccessDenied(reply)) {
			return new PermissionDeniedDataAccessException(message
					+ " (check spring.data.redis.username, spring.data.redis.password and the user's ACL)", cause);
		}
		if (reply.startsWith("WRONGTYPE")) {
			return new InvalidDataAccessApiUsageException(message, cause);
		}
		if (fault.isRecoverable()) {
			return new TransientDataAccessResourceException(message, cause);
		}
		return new RedisSystemException(message, cause);
	}


}
