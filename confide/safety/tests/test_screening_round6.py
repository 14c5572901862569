"""Round-6 rule families (docs/safety-screening.md, "Round 6"): for each, messages it must catch, written for
these tests in fresh wording (not copied from any set), and near misses that must stay none: chores, films and
novels, hobbies, cooking, pets, moving house, ordinary admin, idioms and resolved past.
"""

from __future__ import annotations

import pytest

from confide.safety.screening import explain_text, screen_text


def level(text: str) -> str:
    return screen_text(text).level


ROUND6_FAMILIES = {
    "an overdose taken or being taken: an amount 'of them', a bottle, alcohol with pills, 'on purpose'": (
        [
            ("took like 30 of my sertraline about 20 mins ago", "urgent"),
            ("i've swallowed half of the paracetamol packet", "urgent"),
            ("im taking all of them now. bye", "urgent"),
            ("he's just swallowed a whole bottle of pills and locked himself in the bathroom", "urgent"),
            ("drank a bottle of wine and took all my diazepam", "urgent"),
            ("skipped my insulin on purpose for three days now", "urgent"),
        ],
        [
            ("took 2 of my paracetamol for the headache", "none"),
            ("took all of them to the park after school", "none"),
            ("i'm taking all of them to the cinema on saturday", "none"),
            ("swallowed a whole bottle of water after the run", "none"),
            ("drank a bottle of wine with dinner, bit hungover", "none"),
            ("I stopped the gym on purpose to rest my knee", "none"),
        ],
    ),
    "means in the hand now, self-harm wounds and self-harm going on": (
        [
            ("holding the razor rn and i cant stop shaking", "urgent"),
            ("i'm holding it against my wrist and pressing harder", "urgent"),
            ("cut both wrists, there's blood on the floor", "urgent"),
            ("burned my arm again and i'm still doing it", "urgent"),
            ("the self harm isn't helping anymore so tonight i'm going deeper", "urgent"),
            ("I can't stop thinking about cutting myself", "concern"),
        ],
        [
            ("holding the knife right, like the chef showed us, is harder than it looks", "none"),
            ("my dog scratched my arm when I tried to bath him", "none"),
            ("the cat scratched my arm", "none"),
            ("the kitten bit my hand this morning", "none"),
            ("I cut my finger chopping onions and there's blood on the board", "none"),
        ],
    ),
    "resolve with a time ahead: ordinary alone, intent beside any risk, goodbye or means": (
        [
            ("i want to die. i'm finishing it tonight", "urgent"),
            ("nothing is ever going to get better so i'm doing it tomorrow", "urgent"),
            ("I'm about to do something stupid. my dad's shotgun is in the cabinet", "urgent"),
            ("i have two boxes of co-codamol in my bag. going to take them all tonight", "urgent"),
        ],
        [
            ("I'm finishing it tonight", "none"),
            ("i'm finishing it tonight, the essay is due tomorrow", "none"),
            ("I'm going to finish it tonight, only two episodes left", "none"),
            ("im doing it tomorrow, the driving test i mean!", "none"),
            ("I want to do it so badly, the marathon I mean", "none"),
            ("he said he's going to finish it tonight, the shed I mean", "none"),
        ],
    ),
    "preparations and goodbyes in other words (two together are urgent, one alone is ordinary)": (
        [
            ("got what i need. everything's in place.", "urgent"),
            ("Ordered what I need online. Tomorrow before anyone's up.", "urgent"),
            ("closed my savings account and cancelled the gym. it's all set up.", "urgent"),
            ("I've decided on the 9th. I'm at peace.", "urgent"),
            ("i won't need it. i've worked everything out.", "urgent"),
            ("driving to the quarry. not coming back.", "urgent"),
            ("I've already picked the date. everyone would be better off.", "urgent"),
        ],
        [
            ("bought what I need for the cake, baking tomorrow", "none"),
            ("everything's in place for the wedding on saturday", "none"),
            ("I'm sorry.", "none"),
            ("I've set everything up in the garage for the party tomorrow", "none"),
            ("i'm at peace with the decision to leave my job", "none"),
            ("I've decided on March 3rd for the wedding", "none"),
            ("i won't need it, i'm moving to leeds next month", "none"),
            ("we went for a drive to the reservoir and had a picnic", "none"),
            ("going to the cliffs at the weekend for a walk with my dad", "none"),
        ],
    ),
    "plans and places: 'my plan is', where it would be quickest, steering into something": (
        [
            ("my plan is to drive into a tree on the way home", "urgent"),
            ("my plan is the viaduct. walked past it twice to check.", "urgent"),
            ("i keep thinking about steering into the lorry tomorrow on the motorway", "urgent"),
            ("I've looked at the junction where it'd be quickest. I'm doing it tomorrow.", "urgent"),
        ],
        [
            ("my plan is the bridge club on thursday", "none"),
            ("the plan is to crash at my mate's tonight", "none"),
            ("I'm thinking about driving into town tomorrow", "none"),
            ("planning to go to the lake at the weekend", "none"),
        ],
    ),
    "danger from someone now: locked in, at the door with a weapon, breaking in, hiding, police called": (
        [
            ("he's locked us in the flat and he's got a knife", "urgent"),
            ("please send police, my husband is trying to break in", "urgent"),
            ("my ex turned up outside with a knife", "urgent"),
            ("he's brought petrol and he's shouting through the letterbox", "urgent"),
            ("we're hiding upstairs. he hit my mum and he's got a hammer", "urgent"),
            ("he choked me last night and says when he's back he's going to finish the job", "urgent"),
            ("a guy at the party won't let her leave and she's hiding in the bathroom", "urgent"),
        ],
        [
            ("he's trying to get in touch with me about the flat", "none"),
            ("the dog is trying to get in, he hates the rain", "none"),
            ("someone is banging on the door, probably the postman", "none"),
            ("the kids are hiding in the wardrobe playing hide and seek", "none"),
            ("calling the police about the stolen bike tomorrow", "none"),
            ("he's going to finish the job on the kitchen on friday", "none"),
            ("my carer locked me in my room on Sunday", "concern"),
        ],
    ),
    "someone else about to act: threatening to throw herself off, a goodbye then unreachable": (
        [
            ("my sister is threatening to throw herself off the bridge, she's there now", "urgent"),
            ("my dad is going to hang himself, he's in the garage", "urgent"),
            ("my son posted saying goodbye to everyone, says he's done tonight, and he's not answering", "urgent"),
        ],
        [
            ("the character threatened to throw herself off the bridge in chapter 3", "none"),
            ("my sister is going to throw herself into the new job", "none"),
            ("my mate is not answering, probably asleep", "none"),
            ("My friend keeps saying she wants to kill herself", "concern"),
        ],
    ),
    "harm to others: making sure someone never does it again, outside their house, means": (
        [
            ("i'm going to wait outside his house and make him suffer. got a bat in the car", "urgent"),
            (
                "parked outside her flat. going to make sure she never does it again. the knife is in my pocket",
                "urgent",
            ),
        ],
        [
            ("I'm going to wait outside her house to pick her up tonight", "none"),
            ("made sure he never forgets his lunch again, put a note on the door", "none"),
        ],
    ),
    "passive wishes and hopelessness in other words": (
        [
            ("if i never woke up tomorrow i wouldn't mind at all", "concern"),
            ("honestly hoping the biopsy comes back bad", "concern"),
            ("my parents would be relieved if i was gone", "concern"),
            ("i've run out of reasons to keep going", "concern"),
            ("i'm never going to be happy, i was born to be miserable", "concern"),
            ("nothing I do matters and nothing ever changes", "concern"),
            ("I stopped trying to recover", "concern"),
            ("if I got hit by a bus I wouldn't fight it", "concern"),
        ],
        [
            ("I hope the test comes back negative", "none"),
            ("nothing ever changes at my work, it's so boring", "none"),
            ("the future's bright, there's light at the end of the tunnel now", "none"),
            ("I'm 70 and ready whenever the grandkids want to visit", "none"),
        ],
    ),
    "dangerous eating in other words": (
        [
            ("I've been living on black coffee and one rice cake a day", "concern"),
            ("eating under 600 a day and running every morning", "concern"),
            ("every time i eat i have to burn it off at the gym", "concern"),
            ("weighing myself ten times a day", "concern"),
            ("chewing and spitting out the whole bag of sweets", "concern"),
            ("ate a whole cheesecake and then made myself sick", "concern"),
        ],
        [
            ("an apple a day keeps the doctor away", "none"),
            ("I'm living on coffee this week with all these deadlines", "none"),
            ("i ate a whole pizza and then threw up, food poisoning i think", "none"),
            ("I walked it off after the argument", "none"),
        ],
    ),
    "abuse and someone else at risk in other words": (
        [
            ("my coach put his hand on my thigh and told me to keep it a secret", "concern"),
            ("my dad just punched my brother", "concern"),
            ("i was beaten as a kid and i still have flashbacks about what my uncle did", "concern"),
            ("my son wears long sleeves in summer and there was blood on his pillow", "concern"),
            ("their mum leaves the kids alone all night", "concern"),
        ],
        [
            ("he puts his hands on my shoulders to fix my posture in yoga", "none"),
            ("I still laugh about what my dad did at the wedding", "none"),
            ("my brother beat my sister at chess", "none"),
        ],
    ),
    "fiction, hyperbole, talk about words, resolved past (the known false alarms)": (
        [],
        [
            ("In the novel's last chapter, the father wrote a goodbye letter to his son before he died.", "none"),
            ("in the novel, she had written a goodbye letter to her husband and left the note on the table", "none"),
            ("I'm literally going to die if my flight gets cancelled", "none"),
            ("felt like I was going to die in the interview, it went fine", "none"),
            ("my brother says kms every time his team loses", "none"),
            ("my niece says unalive now because of tiktok", "none"),
            ("I had bulimia at uni but I've been in recovery for six years", "none"),
            ("I was suicidal in my twenties. That chapter is closed.", "none"),
            ("the quiz asks every week if I've thought about suicide and I click no", "none"),
        ],
    ),
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [pair for positives, negatives in ROUND6_FAMILIES.values() for pair in positives + negatives],
)
def test_round6_rule_families_and_their_near_misses(text, expected):
    assert level(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("I have not swallowed half of the pills", "negation"),
        ("she asked if I had stockpiled my tablets and I said no", "asked and said no"),
        ("in the film, the hero is going to throw himself off the tower", "own work"),
        ("In the novel's final chapter, she wrote a goodbye letter", "own work"),
    ],
)
def test_explain_keeps_vetoes_for_round6_signals(text, reason):
    explanation = explain_text(text)
    assert explanation.screening.level == "none"
    dropped = {f.dropped for s in explanation.sentences for f in s.findings if f.dropped}
    assert reason in dropped


def test_finishing_it_tonight_counts_only_beside_risk():
    """Decision: resolve with a time ahead is intent only when the message speaks of risk too."""
    assert level("I'm finishing it tonight") == "none"
    screening = screen_text("I'm so tired of being alive. I'm finishing it tonight")
    assert screening.level == "urgent"
    assert any(r.startswith("resolve to act with timeframe") for r in screening.reasons)


def test_cant_stop_affirms_the_act():
    assert level("I can't stop hitting my head against the wall") == "concern"
    assert level("I don't hit my head against the wall anymore") == "none"
