using System.Numerics;

namespace Ember.Backends.Cpu;

/// <summary>
/// The threads of one large GEMM working through its KC×NC blocks of B in order. For each block they
/// pack B's strips together into a shared buffer, then take row blocks of C from a queue, each packing
/// only its own rows of A: nothing is packed twice, and a core slowed by other work simply takes fewer
/// row blocks. Blocks alternate between two buffers, so a thread that finds the queue empty goes on to
/// pack the next block while the others finish theirs instead of waiting for them. A thread waits only
/// for a block that is not packed yet, for a buffer the block before last is still being read from, or
/// for the previous depth block to finish the rows of C it is about to add into.
/// </summary>
internal static unsafe class GemmSharedB<T, TKernel>
    where T : unmanaged, INumber<T>
    where TKernel : struct, IGemmKernel<T>
{
    /// <summary>Row blocks, and pieces of B to pack, queued per thread: enough for a slowed core to hand some to the others.</summary>
    const int TasksPerThread = 4;

    /// <summary>C = epilogue(alpha·op(A)·op(B) + beta·C) on up to <paramref name="threads"/> threads. Requires m, n, k &gt; 0.</summary>
    public static void Run(int threads, bool transA, bool transB, int m, int n, int k, T alpha,
        T* a, nint lda, T* b, nint ldb, T beta, T* c, nint ldc, GemmEpilogue<T> epilogue)
    {
        var blocking = GemmDriver<T, TKernel>.Blocking.For(m, n, k);
        int rowsPerTask = GemmDriver<T, TKernel>.RoundUp((m + threads * TasksPerThread - 1) / (threads * TasksPerThread), TKernel.MR);
        int depthBlocks = (k + blocking.Kc - 1) / blocking.Kc, columnBlocks = (n + blocking.Nc - 1) / blocking.Nc;
        var schedule = new Schedule(columnBlocks * depthBlocks, packTasks: threads * TasksPerThread, rowTasks: (m + rowsPerTask - 1) / rowsPerTask);
        // The calling thread's buffer holds both shared blocks; each row task packs A in its own thread's.
        nuint half = blocking.PackedBBytes;
        byte* buffers = GemmWorkspace.Current.PackedB(2 * half);

        Parallelism.Run(threads, worker =>
        {
            try { Work(worker % 2 == 0); }
            catch
            {
                // A task that fails (out of memory for its panel of A, say) must not leave the other
                // threads waiting for it: they stop, and the failure is what the caller sees.
                schedule.Failed = true;
                throw;
            }
        });

        // Half the threads take row blocks from the top, half from the bottom: with two threads each
        // keeps to its own half, as the previous op's row split most likely left it in its cache, and
        // every depth block's rows go to the same thread as the last one's.
        void Work(bool fromTop)
        {
            for (int phase = 0; phase < schedule.Phases; phase++)
            {
                int jc = phase / depthBlocks * blocking.Nc, pc = phase % depthBlocks * blocking.Kc;
                int nc = Math.Min(blocking.Nc, n - jc), kc = Math.Min(blocking.Kc, k - pc);
                T* packedB = (T*)(buffers + (phase & 1) * (nint)half);

                int strips = (nc + TKernel.NR - 1) / TKernel.NR;
                for (int t; (t = schedule.Claim(schedule.PackClaimed, phase)) < schedule.PackTasks;)
                {
                    // This buffer last held the block before last; its readers must be done with it.
                    if (phase >= 2 && !schedule.WaitFor(schedule.RowsDone, phase - 2, schedule.RowTasks)) return;
                    int s0 = strips * t / schedule.PackTasks, s1 = strips * (t + 1) / schedule.PackTasks;
                    if (s1 > s0)
                    {
                        int j0 = s0 * TKernel.NR;
                        GemmDriver<T, TKernel>.PackB(transB, b, ldb, pc, jc, kc, j0, Math.Min(s1 * TKernel.NR, nc) - j0, packedB);
                    }
                    Interlocked.Increment(ref schedule.PackDone[phase]);
                }
                if (!schedule.WaitFor(schedule.PackDone, phase, schedule.PackTasks)) return;

                var block = new GemmDriver<T, TKernel>.DepthBlock(transA, a, lda, pc, kc, jc, nc, packedB, alpha,
                    pc == 0 ? beta : T.One, c, ldc, pc + kc >= k ? epilogue : default, blocking.Mc);
                for (int t; (t = schedule.ClaimRow(phase, fromTop)) >= 0;)
                {
                    // The previous depth block adds into the same rows of C: it must have finished them.
                    if (pc > 0 && !schedule.WaitFor(schedule.RowBlockDone, (phase - 1) * schedule.RowTasks + t, 1)) return;
                    GemmDriver<T, TKernel>.Rows(block, t * rowsPerTask, Math.Min(m, (t + 1) * rowsPerTask));
                    Volatile.Write(ref schedule.RowBlockDone[phase * schedule.RowTasks + t], 1);
                    Interlocked.Increment(ref schedule.RowsDone[phase]);
                }
            }
        }
    }

    /// <summary>
    /// Per block: how many pack and row tasks have been claimed and finished. A thread only waits for
    /// tasks that are already claimed, and no claimed task waits on a later one, so it cannot deadlock,
    /// also when the tasks run one after another on a single thread.
    /// </summary>
    sealed class Schedule(int phases, int packTasks, int rowTasks)
    {
        public readonly int Phases = phases, PackTasks = packTasks, RowTasks = rowTasks;
        public readonly int[] PackClaimed = new int[phases], PackDone = new int[phases];
        public readonly int[] RowsClaimed = new int[phases], RowsDone = new int[phases];
        readonly int[] rowsFromTop = new int[phases], rowsFromBottom = new int[phases];
        /// <summary>1 once row block t of a phase is written, at [phase · RowTasks + t].</summary>
        public readonly int[] RowBlockDone = new int[phases * rowTasks];

        public int Claim(int[] claimed, int phase) => Interlocked.Increment(ref claimed[phase]) - 1;

        /// <summary>
        /// The next row block of a phase from the top or the bottom, or −1 when none is left. A claim
        /// first reserves one of the RowTasks blocks, so the two ends can never hand out the same one.
        /// </summary>
        public int ClaimRow(int phase, bool fromTop)
        {
            if (Interlocked.Increment(ref RowsClaimed[phase]) > RowTasks) return -1;
            return fromTop ? Interlocked.Increment(ref rowsFromTop[phase]) - 1 : RowTasks - Interlocked.Increment(ref rowsFromBottom[phase]);
        }

        /// <summary>Set when a task threw; the others then stop waiting.</summary>
        public volatile bool Failed;

        /// <summary>Spins until done[index] reaches count; false if a task failed meanwhile.</summary>
        public bool WaitFor(int[] done, int index, int count)
        {
            var spin = new SpinWait();
            while (Volatile.Read(ref done[index]) < count)
            {
                if (Failed) return false;
                spin.SpinOnce(sleep1Threshold: -1);
            }
            return true;
        }
    }
}
