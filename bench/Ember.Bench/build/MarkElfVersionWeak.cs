using System;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

/// <summary>
/// Sets VER_FLG_WEAK on the version requirement <see cref="VersionName"/> in the GNU verneed
/// section of each little-endian ELF64 file given, so a missing symbol version no longer stops
/// the dynamic loader. Missing files are skipped; already-patched files are left untouched.
/// </summary>
public sealed class MarkElfVersionWeak : Task
{
    const uint ShtGnuVerneed = 0x6ffffffe;
    const ushort VerFlgWeak = 0x2;

    [Required] public ITaskItem[] Files { get; set; } = Array.Empty<ITaskItem>();
    [Required] public string VersionName { get; set; } = "";

    public override bool Execute()
    {
        foreach (var item in Files)
        {
            string path = item.ItemSpec;
            if (!File.Exists(path)) continue;
            byte[] elf = File.ReadAllBytes(path);
            int marked;
            try { marked = MarkWeak(elf, VersionName); }
            catch (Exception e) when (e is InvalidDataException || e is ArgumentException || e is OverflowException)
            {
                Log.LogError("{0}: not a readable ELF64 file ({1})", path, e.Message);
                return false;
            }
            if (marked == 0) continue;
            // Write a new file and move it over, so a hard link into a package cache is never modified.
            string temp = path + ".weak-tmp";
            File.WriteAllBytes(temp, elf);
            File.Delete(path);
            File.Move(temp, path);
            Log.LogMessage(MessageImportance.Normal, "Marked {0} weak in {1}", VersionName, path);
        }
        return !Log.HasLoggedErrors;
    }

    /// <summary>Returns how many vernaux entries named <paramref name="name"/> were newly marked weak.</summary>
    static int MarkWeak(byte[] elf, string name)
    {
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
            throw new InvalidDataException("bad magic");
        if (elf[4] != 2 || elf[5] != 1) throw new InvalidDataException("only little-endian ELF64 is handled");

        long shoff = (long)U64(elf, 0x28);
        int shentsize = U16(elf, 0x3A), shnum = U16(elf, 0x3C);
        int marked = 0;
        for (int s = 0; s < shnum; s++)
        {
            int sh = checked((int)(shoff + (long)s * shentsize));
            if (U32(elf, sh + 4) != ShtGnuVerneed) continue;
            int verneed = checked((int)U64(elf, sh + 0x18));
            int count = (int)U32(elf, sh + 0x2C);                 // sh_info: number of Verneed entries
            int strtabHeader = checked((int)(shoff + (long)U32(elf, sh + 0x28) * shentsize));
            int strtab = checked((int)U64(elf, strtabHeader + 0x18));

            int need = verneed;
            for (int n = 0; n < count; n++)
            {
                int aux = need + (int)U32(elf, need + 8);          // vn_aux
                for (int a = 0; a < U16(elf, need + 2); a++)       // vn_cnt
                {
                    string auxName = CString(elf, strtab + (int)U32(elf, aux + 8));
                    ushort flags = U16(elf, aux + 4);
                    if (auxName == name && (flags & VerFlgWeak) == 0)
                    {
                        elf[aux + 4] = (byte)(flags | VerFlgWeak);         // low byte of vna_flags
                        marked++;
                    }
                    aux += (int)U32(elf, aux + 12);                // vna_next
                }
                need += (int)U32(elf, need + 12);                  // vn_next
            }
        }
        return marked;
    }

    static ushort U16(byte[] b, int at) => BitConverter.ToUInt16(b, at);
    static uint U32(byte[] b, int at) => BitConverter.ToUInt32(b, at);
    static ulong U64(byte[] b, int at) => BitConverter.ToUInt64(b, at);

    static string CString(byte[] b, int at)
    {
        int end = Array.IndexOf(b, (byte)0, at);
        return Encoding.ASCII.GetString(b, at, end - at);
    }
}
