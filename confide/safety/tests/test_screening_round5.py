"""Round-5 rule families (docs/safety-screening.md, "Round 5"): each with messages it must catch, written for
these tests (not copied from any set), and near misses that must stay as they are: idioms, negations, fiction
and research, resolved past, ordinary reasons, and third-party talk that is not imminent.
"""

from __future__ import annotations

import pytest

from confide.safety.screening import explain_text, screen_text


def level(text: str) -> str:
    return screen_text(text).level


ROUND5_FAMILIES = {
    "someone bringing a weapon with a time (after the round: 'class' is no longer a fiction/research word)": (
        [
            ("a kid at school is bringing a gun tomorrow", "urgent"),
            ("a kid in my class is bringing a gun to school tomorrow", "urgent"),
            ("someone in my class is going to bring a knife to school tomorrow", "urgent"),
            ("my ex said he is bringing a knife tonight", "urgent"),
        ],
        [
            ("my dad is taking his rifle tomorrow for deer season", "none"),
            ("my brother is taking his shotgun tomorrow to the range", "none"),
            ("For my psychology class I am writing an essay on suicide prevention", "none"),
            ("In class we read a poem about a man who killed himself", "none"),
            ("we discussed self-harm statistics in class today", "none"),
        ],
    ),
    "acts in progress: pills, insulin, hanging, exhaust, ledges": (
        [
            ("i've already swallowed them all, i'm so sorry", "urgent"),
            ("just swallowed most of the codeine bottle", "urgent"),
            ("took three boxes of paracetamol about an hour ago", "urgent"),
            ("I took everything in the bathroom cabinet", "urgent"),
            ("injected the rest of my insulin twenty minutes ago", "urgent"),
            ("the belt's tied to the loft hatch now", "urgent"),
            ("sitting in the garage with the engine running", "urgent"),
            ("my feet are dangling over the railing of the footbridge", "urgent"),
            ("I've been holding the razor against my wrist for ages", "urgent"),
        ],
        [
            ("took all my tablets this morning as I was told to", "none"),
            ("swallowed my pride and called my sister", "none"),
            ("took the kids to the park, they loved it", "none"),
            ("the car's in the garage for its MOT", "none"),
            ("I injected my insulin before dinner like always", "none"),
        ],
    ),
    "self-harm wording: instruments on the body, counts, deeper": (
        [
            ("been taking the pencil sharpener blade to my thigh again", "concern"),
            ("burned myself with the lighter on my hip at the weekend", "concern"),
            ("carved into my forearm last week", "concern"),
            ("i cut 15 times on friday", "concern"),
            ("I want to claw my skin off when I see myself", "concern"),
            ("cut myself and there's blood everywhere", "urgent"),
        ],
        [
            ("I nicked my leg shaving with a new razor", "none"),
            ("I burned the back of my hand on the oven tray", "none"),
            ("our choir sang so well it gave me chills", "none"),
        ],
    ),
    "preparations and farewells: letters, arrangements, finality": (
        [
            ("wrote letters for my brother and my mum and gave my dog to my aunt", "urgent"),
            ("after christmas I won't be around.", "urgent"),
            ("wrote letters to my kids. I'm ready.", "urgent"),
            ("left the note in the drawer. I don't plan on driving back.", "urgent"),
            ("gave my things away and sent my sister all my passwords", "urgent"),
            ("bills paid and it's all sorted for friday. don't worry about me after this", "urgent"),
            ("I've cancelled my contract and deleted my socials. I won't be needing any of it", "urgent"),
            ("looked up how high the bridge on the ring road is. 30 metres is high enough", "urgent"),
        ],
        [
            ("cancelled my phone contract and gave notice on the flat because I'm moving to Leeds", "none"),
            ("wrote a goodbye card for my colleague who's retiring", "none"),
            ("looked up how tall the Shard is for my son's homework", "none"),
            ("I won't be around on Thursday, can we move the session?", "none"),
            ("I've decided. I'm taking the job in Glasgow!", "none"),
            ("after christmas I won't be around, we're moving to Spain", "none"),
        ],
    ),
    "intent and timeframes: dates, paydays, until they sleep, trying again": (
        [
            ("I intend to end my life after payday", "urgent"),
            ("I've chosen to end things on the 14th", "urgent"),
            ("tried to end it on saturday and it didn't work. going to try again tonight", "urgent"),
            ("i'm going to swallow everything in the medicine cabinet once my wife is asleep", "urgent"),
            ("i'm going to take the whole rest of the packet tonight", "urgent"),
            ("gonna run out in front of a bus", "urgent"),
        ],
        [
            ("going to try again for a baby after christmas", "none"),
            ("I'm moving on the 3rd and I'm nervous about it", "none"),
            ("i take my tablets once my wife is asleep so I don't forget", "none"),
            ("My son runs out in front of me at the shops and it scares me", "none"),
        ],
    ),
    "stockpiling and means in other words": (
        [
            ("I came off my medication and I'm stockpiling it", "urgent"),
            ("went to four different pharmacies so nobody would ask why", "urgent"),
            ("saved up two months' worth of my quetiapine", "urgent"),
            ("ordered something online to end my life", "urgent"),
            ("poured the weedkiller into a mug", "urgent"),
        ],
        [
            ("I saved up two months for a new laptop", "none"),
            ("I ordered a new lamp to brighten up my room", "none"),
            ("poured the milk into a mug and went back to bed", "none"),
        ],
    ),
    "danger from a partner or parent: threats, weapons, fire": (
        [
            ("he keeps saying I won't survive the night if I tell anyone", "urgent"),
            ("my stepdad said I'm not leaving the flat alive", "urgent"),
            ("she's threatening me with a kitchen knife", "urgent"),
            ("he said he'll burn the flat down with us inside", "urgent"),
            ("my boyfriend says he'll drown me if I leave", "urgent"),
            ("my dad's got the rifle out again and he's shouting", "urgent"),
            ("my ex is coming round tonight with a bat", "urgent"),
        ],
        [
            ("my mum will break my neck if she sees my room", "none"),
            ("my husband is going to beat me at chess again", "none"),
            ("we poured petrol in the car and drove to the coast", "none"),
            ("he took the gun to the club for target practice last year", "none"),
        ],
    ),
    "harm to others: a wish to harm with means, a time or the person watched": (
        [
            ("I'll make that prick pay, I know where he parks", "urgent"),
            ("he'll pay for what he did. tomorrow.", "urgent"),
            ("I want to hurt my landlord. I know what time he finishes work", "urgent"),
            ("I threatened my brother and I meant it. there's a hammer in my bag", "urgent"),
        ],
        [
            ("I'll make him pay for the damage to my car", "none"),
            ("my sister will pay for the tickets tomorrow", "none"),
            ("I know where she parks, we car-share on Mondays", "none"),
        ],
    ),
    "someone else at risk or in danger": (
        [
            ("my brother has a plan to end his life next week", "urgent"),
            ("my mate sent me a photo of a noose tonight and won't answer", "urgent"),
            ("she says she doesn't care if she lives or dies anymore", "concern"),
            ("I found fresh cuts on her arm when she was changing", "concern"),
            ("the man next door exposed himself to my son", "concern"),
            ("the carer swears at her and leaves her in soiled sheets", "concern"),
        ],
        [
            ("my daughter has a plan to travel next summer", "none"),
            ("she sent me a photo of a rope bridge on her hike", "none"),
            ("I found cuts on her knee after she fell off her bike", "none"),
        ],
    ),
    "abuse disclosures: past, coercion, stalking": (
        [
            ("my grandfather used to whip us with his belt", "concern"),
            ("my supervisor keeps cornering me in the kitchen", "concern"),
            ("my stepbrother did things to me when I was nine", "concern"),
            ("my ex found out where I work and keeps turning up", "concern"),
            ("my partner reads my messages every night", "concern"),
            ("my wife doesn't let me have my own bank card", "concern"),
            ("my manager took my passport when I started", "concern"),
        ],
        [
            ("my dog drags me out for walks every morning", "none"),
            ("my coach used to push us hard but it made us better", "none"),
            ("I read my messages every night before bed", "none"),
            ("the hotel kept my passport at reception", "none"),
        ],
    ),
    "passive wishes and hopelessness in other words": (
        [
            ("some days I hope the plane goes down on the way home", "concern"),
            ("wish the cancer would come back and take me", "concern"),
            ("I stopped caring if I live or not", "concern"),
            ("nobody would even notice if I vanished", "concern"),
            ("I'm so tired of being me", "concern"),
            ("I'd rather be with my husband than here", "concern"),
            ("I think how easy it would be to just step off the platform", "concern"),
            ("nothing matters and it never will", "concern"),
            ("nothing's ever going to change", "concern"),
            ("I'm just a burden to everyone", "concern"),
            ("I don't see myself making it to 25", "concern"),
            ("I've stopped hoping it gets better", "concern"),
            ("honestly I'm existing, not living", "concern"),
        ],
        [
            ("I hope the plane lands on time", "none"),
            ("I'm tired of fighting with my landlord about the boiler", "none"),
            ("I'd rather be with my friends than at work", "none"),
            ("I don't think I'll make it on Tuesday, sorry", "none"),
            ("the only thing keeping me here at work is my team", "none"),
            ("I'm not a burden, my therapist reminds me", "none"),
        ],
    ),
    "eating: compensating, injury, low intake, pride in not eating": (
        [
            ("I keep running even with my shin splints because I ate dinner", "concern"),
            ("two hours of cardio every day and I panic if I miss a session", "concern"),
            ("living on about 700 cals and burning more than I eat", "concern"),
            ("skipped lunch and dinner again and felt so proud", "concern"),
            ("it's been days since I ate a proper meal", "concern"),
            ("binge then purge, every night this week", "concern"),
            ("bought slimming pills off a website", "concern"),
        ],
        [
            ("I'm training for a marathon and eat plenty of pasta", "none"),
            ("skipped lunch because the meeting ran over", "none"),
            ("this yogurt has 150 calories", "none"),
        ],
    ),
    "idioms and resolved past": (
        [("i used to starve myself and i still do sometimes", "concern")],
        [
            ("if I have to sit through one more budget meeting I'll throw myself off the roof lol", "none"),
            ("kms this spreadsheet is cursed", "none"),
            ("my brother ate my chips, I'm going to kill him 😂", "none"),
            ("our school ran a suicide prevention workshop today", "none"),
            ("I self-harmed in my teens but I'm ten years free of it now and doing well", "none"),
            ("I used to restrict in my twenties, I'm in recovery now", "none"),
        ],
    ),
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [pair for positives, negatives in ROUND5_FAMILIES.values() for pair in positives + negatives],
)
def test_round5_rule_families_and_their_near_misses(text, expected):
    assert level(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("I'm not going to take everything in the medicine cabinet", "negation"),
        ("I have no thoughts of ending things on the 14th", "negation"),
        ("in the novel the hero says he wants to kill himself", "own work"),
        ("she asked if my partner threatened me with a knife and I said no", "asked and said no"),
    ],
)
def test_explain_keeps_vetoes_for_new_signals(text, reason):
    explanation = explain_text(text)
    assert explanation.screening.level == "none"
    dropped = {f.dropped for s in explanation.sentences for f in s.findings if f.dropped}
    assert reason in dropped


def test_reasons_name_a_harm_wish_and_its_partner():
    screening = screen_text("I'm going to make that bastard pay. I know where he lives")
    assert screening.level == "urgent"
    assert any(r.startswith("wish to harm someone with watching the person") for r in screening.reasons)


def test_the_tool_of_a_past_act_is_not_extra_means():
    screening = screen_text("relapsed with the razor on my thigh on sunday, it's healed now")
    assert screening.level == "concern"
