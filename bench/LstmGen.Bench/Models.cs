// The benchmark workloads' models (W1–W9), declared once and shared by the benchmarks.
using LstmGen;

namespace LstmGen.Bench;

/// <summary>W1: streaming, one float in, 32 hidden units, one linear output per step.</summary>
[LstmModel(Inputs = 1, Hidden = 32, Outputs = 1)]
public partial class StreamingModel;

/// <summary>W2: tokens (27), embedding 8, 14 hidden units, 3-way softmax on the last step.</summary>
[LstmModel(Vocabulary = 27, Embedding = 8, Hidden = 14, Outputs = 3, Head = Head.Softmax)]
public partial class TinyClassifier;

/// <summary>W3 and W5: tokens (5000), embedding 10, 128 hidden units, sigmoid on the last step.</summary>
[LstmModel(Vocabulary = 5000, Embedding = 10, Hidden = 128, Outputs = 1, Head = Head.Sigmoid)]
public partial class ReviewClassifier;

/// <summary>W4 and W6: characters (65), embedding 32, two layers of 256 hidden units, 65 logits at every step.</summary>
[LstmModel(Vocabulary = 65, Embedding = 32, Hidden = 256, Layers = 2, Outputs = 65, HeadOn = HeadOn.EveryStep)]
public partial class CharModel;

/// <summary>W8: the Sentiment sample's model (samples/Sentiment/SentimentModel.cs), declared with the same attribute.</summary>
[LstmModel(Vocabulary = 5000, Embedding = 32, Hidden = 64, Bidirectional = true, InputDropout = 0.3, Outputs = 1, Head = Head.Sigmoid, HeadOn = HeadOn.FinalState)]
public partial class SentimentModel;
