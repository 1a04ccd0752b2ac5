package io.github.agentmemory.redis.recovery;

import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

import org.springframework.lang.Nullable;

/**
 * The caller's future of a write issued without a priority: completed with Redis's raw
 * reply converted to what the caller returns (a {@code SET}'s reply to whether it was
 * set, a count to a {@code Long}), in the same step, instead of through a dependent
 * {@code thenApply} stage per write. Errors complete it as they are, unwrapped.
 *
 * @param <T> the converted reply's type
 * @author agent-memory-redis
 */
final class WriteReply<T> extends CompletableFuture<T> {

	private final Function<Object, ? extends T> conversion;

	WriteReply(Function<Object, ? extends T> conversion) {
		this.conversion = conversion;
	}

	/**
	 * Complete with the converted reply, or with what the conversion threw.
	 * @param raw Redis's reply
	 */
	void answer(@Nullable Object raw) {
		T value;
		try {
			value = this.conversion.apply(raw);
		}
		catch (RuntimeException ex) {
			completeExceptionally(ex);
			return;
		}
		complete(value);
	}

}
