package io.github.agentmemory.redis.recovery;

import java.util.ArrayList;
import java.util.List;

import org.springframework.lang.Nullable;

/**
 * Actions to run once a lock is released: completing a future runs the caller's
 * callbacks, which must never run under the write path's locks.
 *
 * @author agent-memory-redis
 */
final class Effects {

	/** The first action: usually the only one, so no list is allocated for it. */
	@Nullable
	private Runnable first;

	@Nullable
	private List<Runnable> more;

	void add(Runnable action) {
		if (this.first == null) {
			this.first = action;
			return;
		}
		if (this.more == null) {
			this.more = new ArrayList<>(2);
		}
		this.more.add(action);
	}

	void run() {
		if (this.first != null) {
			this.first.run();
		}
		if (this.more != null) {
			this.more.forEach(Runnable::run);
		}
	}

}
