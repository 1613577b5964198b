// The sample's model: word ids → 32-wide embedding (30 % dropped in training) → bidirectional LSTM(64) → one sigmoid output
// (P(five stars)) read from both directions' final states: the forward h after the last word and the
// reverse h after the first, each having read the whole review.
using LstmGen;

namespace Sentiment;

// 5,000 words kept (padding and unknown included); the rest map to the unknown id.
[LstmModel(Vocabulary = 5000, Embedding = 32, Hidden = 64, Bidirectional = true, InputDropout = 0.3, Outputs = 1, Head = Head.Sigmoid, HeadOn = HeadOn.FinalState)]
public partial class SentimentModel;
