// The models the tasks train, small enough that every neuron fits on the page: characters in (an 8-wide
// embedding), one LSTM layer, a softmax over the next character at every step.
using LstmGen;

namespace Explorer;

/// <summary>10 units, as in the post: enough for counting, selective counting and remembering one bit.</summary>
[LstmModel(Vocabulary = Alphabet.Size, Embedding = 8, Hidden = 10, Outputs = Alphabet.Size, Head = Head.Softmax, HeadOn = HeadOn.EveryStep)]
public partial class CounterModel;

/// <summary>16 units: copying has to hold up to four letters and where the copy has got to.</summary>
[LstmModel(Vocabulary = Alphabet.Size, Embedding = 8, Hidden = 16, Outputs = Alphabet.Size, Head = Head.Softmax, HeadOn = HeadOn.EveryStep)]
public partial class CopierModel;
