package io.github.agentmemory.redis.recovery.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * What is at the end of a SQLite write-ahead log left by a process that did not close
 * its database, read before SQLite opens it. SQLite recovers a WAL by reading frames up
 * to the first one whose salt or checksum does not match, and silently discards that
 * frame and everything after it. A torn or overwritten tail therefore loses commits
 * without an error; this check finds such a tail so that it can be logged and counted.
 *
 * <p>
 * Frames after the last valid one are told apart as follows: an incomplete frame at the
 * end of the file, or a frame with the log's salt but a wrong checksum, is torn or
 * corrupt; frames with another salt are left over from before the log was restarted
 * after a checkpoint, which is normal, and are not counted. Layout and checksum as in
 * SQLite's {@code wal.c} ("WAL File Format").
 *
 * <p>
 * A process killed while it writes a frame leaves exactly one such frame: SQLite writes a
 * frame's header and its page with two {@code write} calls, and the kill may fall
 * between them (an incomplete frame at the end of the file, or, in a log restarted
 * after a checkpoint, a new header over an old page). That frame belongs to a
 * transaction that was never acknowledged, so nothing is lost; the file alone cannot
 * tell it from a last frame damaged after its commit was acknowledged.
 *
 * @param frames complete frames in the file
 * @param validFrames frames that SQLite accepts (up to the first invalid one)
 * @param committedFrames valid frames up to and including the last commit frame: the
 * frames SQLite recovers
 * @param tornFrames the first torn or corrupt frame (a partial one counted too) and the
 * frames of the log's salt after it; 0 when the tail is clean
 * @param lostCommits commit frames among the torn ones, as far as their headers can be
 * read: transactions that are lost, acknowledged unless it is the one a kill interrupted
 * @param problem what was found, or {@code null} when the tail is clean
 * @author agent-memory-redis
 */
record WalTail(long frames, long validFrames, long committedFrames, long tornFrames, long lostCommits, String problem) {

	private static final int WAL_HEADER_BYTES = 32;

	private static final int FRAME_HEADER_BYTES = 24;

	private static final int MAGIC = 0x377f0682;

	static final WalTail NONE = new WalTail(0, 0, 0, 0, 0, null);

	boolean torn() {
		return this.tornFrames > 0;
	}

	static WalTail inspect(Path wal, int fallbackPageSize) throws IOException {
		if (!Files.exists(wal)) {
			return NONE;
		}
		try (FileChannel channel = FileChannel.open(wal, StandardOpenOption.READ)) {
			long size = channel.size();
			if (size == 0) {
				return NONE;
			}
			ByteBuffer header = ByteBuffer.allocate(WAL_HEADER_BYTES);
			readFully(channel, header, 0);
			header.flip();
			if (header.remaining() < WAL_HEADER_BYTES) {
				return new WalTail(0, 0, 0, 1, 0, "the log header is incomplete, " + size + " bytes");
			}
			int magic = header.getInt(0);
			int pageSize = header.getInt(8);
			boolean validPageSize = pageSize >= 512 && pageSize <= 65536 && Integer.bitCount(pageSize) == 1;
			long frameBytes = FRAME_HEADER_BYTES + (long) (validPageSize ? pageSize : fallbackPageSize);
			long frames = (size - WAL_HEADER_BYTES) / frameBytes;
			long slots = (size - WAL_HEADER_BYTES + frameBytes - 1) / frameBytes;
			ByteOrder order = ((magic & 1) != 0) ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
			int[] checksum = checksum(header.duplicate().position(0).limit(24), order, 0, 0);
			if ((magic & 0xFFFFFFFE) != MAGIC || !validPageSize || checksum[0] != header.getInt(24)
					|| checksum[1] != header.getInt(28)) {
				return new WalTail(frames, 0, 0, slots, 0, "the log header is invalid, so SQLite ignores the whole log");
			}
			int salt1 = header.getInt(16);
			int salt2 = header.getInt(20);
			ByteBuffer frame = ByteBuffer.allocate((int) frameBytes);
			long valid = 0;
			long committed = 0;
			long offset = WAL_HEADER_BYTES;
			while (offset + frameBytes <= size) {
				frame.clear();
				readFully(channel, frame, offset);
				frame.flip();
				boolean sameSalt = frame.getInt(8) == salt1 && frame.getInt(12) == salt2;
				if (!sameSalt) {
					// left over from before the log was restarted: SQLite stops here, as it should
					return new WalTail(frames, valid, committed, 0, 0, null);
				}
				int[] next = checksum(frame.duplicate().position(0).limit(8), order, checksum[0], checksum[1]);
				next = checksum(frame.duplicate().position(FRAME_HEADER_BYTES).limit((int) frameBytes), order, next[0],
						next[1]);
				if (frame.getInt(0) == 0 || next[0] != frame.getInt(16) || next[1] != frame.getInt(20)) {
					return torn(channel, size, frameBytes, offset, frames, valid, committed, salt1, salt2,
							"frame " + (valid + 1) + " has a wrong checksum");
				}
				checksum = next;
				valid++;
				if (frame.getInt(4) != 0) {
					committed = valid;
				}
				offset += frameBytes;
			}
			if (offset < size) {
				return torn(channel, size, frameBytes, offset, frames, valid, committed, salt1, salt2,
						"the last frame is incomplete, " + (size - offset) + " of " + frameBytes + " bytes");
			}
			return new WalTail(frames, valid, committed, 0, 0, null);
		}
	}

	private static WalTail torn(FileChannel channel, long size, long frameBytes, long from, long frames, long valid,
			long committed, int salt1, int salt2, String problem) throws IOException {
		long tornFrames = 1;
		long lostCommits = 0;
		ByteBuffer frameHeader = ByteBuffer.allocate(FRAME_HEADER_BYTES);
		for (long offset = from; offset + FRAME_HEADER_BYTES <= size; offset += frameBytes) {
			frameHeader.clear();
			readFully(channel, frameHeader, offset);
			boolean sameSalt = frameHeader.getInt(8) == salt1 && frameHeader.getInt(12) == salt2;
			if (sameSalt && offset > from) {
				tornFrames++;
			}
			if (sameSalt && frameHeader.getInt(4) != 0) {
				lostCommits++;
			}
		}
		return new WalTail(frames, valid, committed, tornFrames, lostCommits, problem);
	}

	private static void readFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
		long at = position;
		while (buffer.hasRemaining()) {
			int read = channel.read(buffer, at);
			if (read < 0) {
				return;
			}
			at += read;
		}
	}

	private static int[] checksum(ByteBuffer data, ByteOrder order, int initial1, int initial2) {
		ByteBuffer words = data.slice().order(order);
		int s1 = initial1;
		int s2 = initial2;
		while (words.remaining() >= 8) {
			s1 += words.getInt() + s2;
			s2 += words.getInt() + s1;
		}
		return new int[] { s1, s2 };
	}

}
